"""Reads for labeling: label tables, agreement reports, comparison summaries, rater audits.

Every statistic comes from :mod:`gauntlet.agreement`; these functions only
gather rows from the database and shape the results for the API.
"""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from dataclasses import asdict
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet

from gauntlet.accounts.models import User
from gauntlet.agreement.comparisons import bradley_terry, win_rate
from gauntlet.agreement.metrics import cohen_kappa_pairs
from gauntlet.agreement.raters import flag_raters, rater_stats
from gauntlet.agreement.report import agreement_report, json_safe
from gauntlet.agreement.table import COMPARISON_OUTCOMES, INJURIOUS, NOT_INJURIOUS
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import JUDGED_STATUSES, Assignment, Queue, WorkItem
from gauntlet.workqueue.selectors import contractor_gold_accuracy
from labeling.models import Comparison, ComparisonOutcome, Consensus, Label

FLAGGED_DISAGREEMENTS_SHOWN = 50


def flag_thresholds() -> dict[str, Any]:
    return {
        "min_gold_accuracy": settings.GAUNTLET_RATER_MIN_GOLD_ACCURACY,
        "min_consensus_accuracy": settings.GAUNTLET_RATER_MIN_CONSENSUS_ACCURACY,
        "max_unsure_rate": settings.GAUNTLET_RATER_MAX_UNSURE_RATE,
        "min_count": settings.GAUNTLET_RATER_MIN_COUNT,
    }


def labels_counted(*, queue: Queue | None = None) -> QuerySet[Label]:
    """Labels that count (not rejected by a manager)."""
    labels = Label.objects.filter(rejected=False)
    return labels.filter(queue=queue) if queue is not None else labels


def label_rows(labels: QuerySet[Label]) -> list[tuple[int, int, str]]:
    """``(item id, rater id, label)`` rows, the shape gauntlet.agreement reads."""
    return list(labels.order_by("id").values_list("item_id", "rater_id", "value"))


def label_frame(*, queue: Queue) -> pd.DataFrame:
    """The queue's counted labels as :func:`label_rows` gives them (id order), as an ``item``,
    ``rater``, ``label`` frame: on PostgreSQL one ``COPY … TO STDOUT`` parsed by pandas (a
    million labels in about a second, not a million Python tuples), ids as int64, labels as a
    categorical column."""
    if connection.vendor != "postgresql":
        return pd.DataFrame(label_rows(labels_counted(queue=queue)), columns=["item", "rater", "label"])
    table = Label._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        select = (
            f"SELECT item_id, rater_id, value FROM {table} "  # noqa: S608 - a model's table, an int id
            f"WHERE queue_id = {int(queue.pk)} AND NOT rejected ORDER BY id"
        )
        with raw.copy(f"COPY ({select}) TO STDOUT") as copy:
            text = b"".join(bytes(block) for block in copy)
    return pd.read_csv(
        io.BytesIO(text),
        sep="\t",
        header=None,
        names=["item", "rater", "label"],
        dtype={"item": "int64", "rater": "int64", "label": "category"},
        na_filter=False,
    )


def gold_labels(items: QuerySet[WorkItem]) -> dict[int, str]:
    """item id -> gold label of the gold injury items among ``items``."""
    gold: dict[int, str] = {}
    for item_id, answer in items.filter(is_gold=True).values_list("id", "gold_answer"):
        label = answer.get("label") if isinstance(answer, dict) else answer
        if label in (INJURIOUS, NOT_INJURIOUS):
            gold[item_id] = label
    return gold


def queue_consensus_summary(*, queue: Queue) -> dict[str, Any]:
    rows = Consensus.objects.filter(queue=queue)
    return {
        "n_items": rows.count(),
        "n_final": rows.filter(final=True).count(),
        "n_undecided": rows.filter(decided=False).count(),
        "label_counts": {
            row["label"]: row["n"]
            for row in rows.filter(decided=True).values("label").annotate(n=Count("id")).order_by("label")
        },
        "n_escalated_items": WorkItem.objects.filter(queue=queue, escalations__gt=0).count(),
    }


def queue_comparison_summary(*, queue: Queue) -> dict[str, Any]:
    """Win rate (ties as half, Wilson 95% CI) per pair of systems; Bradley–Terry with 3+ systems."""
    outcomes: dict[tuple[str, str], list[str]] = defaultdict(list)
    games: list[tuple[str, str, str]] = []
    flip: dict[str, str] = {
        ComparisonOutcome.A: ComparisonOutcome.B,
        ComparisonOutcome.B: ComparisonOutcome.A,
    }
    rows = Comparison.objects.filter(queue=queue, rejected=False).values_list(
        "pair__system_a", "pair__system_b", "outcome"
    )
    for system_a, system_b, outcome in rows:
        games.append((system_a, system_b, outcome))
        if system_a <= system_b:
            outcomes[(system_a, system_b)].append(outcome)
        else:  # one entry per unordered pair of systems, named in sorted order
            outcomes[(system_b, system_a)].append(flip.get(outcome, outcome))
    pairs = []
    for (system_a, system_b), results in sorted(outcomes.items()):
        rate = win_rate(results)
        pairs.append({"system_a": system_a, "system_b": system_b, **json_safe(asdict(rate))})
    summary: dict[str, Any] = {"n_comparisons": len(games), "win_rates": pairs, "bradley_terry": None}
    systems = {system for game in games for system in game[:2]}
    if len(systems) > 2:
        try:
            fit = bradley_terry(games)
            summary["bradley_terry"] = json_safe(
                {
                    "systems": fit.systems,
                    "strengths": fit.strengths,
                    "win_probability": fit.win_probability,
                    "n_comparisons": fit.n_comparisons,
                    "converged": fit.converged,
                }
            )
        except ValueError as exc:
            summary["bradley_terry"] = {"error": str(exc)}
    return summary


def queue_agreement(*, queue: Queue) -> dict[str, Any]:
    """Every agreement figure for a queue (see :func:`gauntlet.agreement.report.agreement_report`)."""
    thresholds = flag_thresholds()
    if registry.get_kind(queue.kind).judgments == "comparisons":
        rows = list(
            Comparison.objects.filter(queue=queue, rejected=False)
            .order_by("id")
            .values_list("item_id", "rater_id", "outcome")
        )
        report = agreement_report(
            rows,
            categories=COMPARISON_OUTCOMES,
            abstain=None,
            min_overlap=settings.GAUNTLET_KAPPA_MIN_OVERLAP,
            include_dawid_skene=False,
            min_consensus_accuracy=thresholds["min_consensus_accuracy"],
            min_count=thresholds["min_count"],
        )
        report["comparisons"] = queue_comparison_summary(queue=queue)
    else:
        report = agreement_report(
            label_rows(labels_counted(queue=queue)),
            gold_labels(WorkItem.objects.filter(queue=queue)) or None,
            min_overlap=settings.GAUNTLET_KAPPA_MIN_OVERLAP,
            include_dawid_skene=True,
            **thresholds,
        )
        report["stored_consensus"] = queue_consensus_summary(queue=queue)
    report["queue"] = {"id": queue.pk, "name": queue.name, "kind": queue.kind}
    report["thresholds"] = thresholds
    return report


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def rater_audit(*, rater: User) -> dict[str, Any]:
    """A rater's record for a manager: accuracy vs the other raters (leave-one-out) and gold,
    Cohen's kappa vs each peer with enough shared items, speed, gold record, flags, and the
    examples where they disagreed with a decided final consensus."""
    own = labels_counted().filter(rater=rater)
    item_ids = list(own.values_list("item_id", flat=True))
    rows = label_rows(labels_counted().filter(item_id__in=item_ids))
    gold = gold_labels(WorkItem.objects.filter(pk__in=item_ids))
    thresholds = flag_thresholds()

    stats = rater_stats(rows, gold or None).get(rater.pk) if rows else None
    flags = flag_raters({rater.pk: stats}, **thresholds).get(rater.pk, []) if stats else []
    kappas = [
        {
            "peer": pair.rater_b if pair.rater_a == rater.pk else pair.rater_a,
            "n_shared": pair.n_shared,
            "kappa": pair.kappa,
        }
        for pair in (cohen_kappa_pairs(rows, min_overlap=settings.GAUNTLET_KAPPA_MIN_OVERLAP) if rows else [])
        if rater.pk in (pair.rater_a, pair.rater_b)
    ]

    judged = Assignment.objects.filter(contractor=rater, status__in=JUDGED_STATUSES)
    active = [float(s) for s in judged.values_list("active_seconds", flat=True)]
    wall = [
        (submitted - claimed).total_seconds()
        for claimed, submitted in judged.exclude(submitted_at=None).values_list("claimed_at", "submitted_at")
        if submitted is not None
    ]
    gold_record = contractor_gold_accuracy(contractor=rater)

    consensus = {
        (row.queue_id, row.example_id): row
        for row in Consensus.objects.filter(item_id__in=item_ids, decided=True, final=True)
    }
    # Find the disagreeing labels on ids alone, then load the texts of the few shown.
    shown: list[tuple[int, Consensus]] = []
    for label_id, queue_id, example_id, value in own.order_by("-id").values_list(
        "id", "queue_id", "example_id", "value"
    ):
        agreed = consensus.get((queue_id, example_id))
        if agreed is None or value == agreed.label or value == "unsure":
            continue
        shown.append((label_id, agreed))
        if len(shown) >= FLAGGED_DISAGREEMENTS_SHOWN:
            break
    labels = Label.objects.select_related("example", "queue").in_bulk([label_id for label_id, _ in shown])
    disagreements = []
    for label_id, agreed in shown:
        label = labels[label_id]
        disagreements.append(
            {
                "queue": {"id": label.queue_id, "name": label.queue.name},
                "item_id": label.item_id,
                "example": {
                    "id": label.example_id,
                    "prompt": label.example.prompt,
                    "completion": label.example.completion,
                },
                "rater_label": label.value,
                "consensus_label": agreed.label,
                "consensus_agreement": agreed.agreement,
                "labelled_at": label.created_at.isoformat(),
            }
        )

    profile = getattr(rater, "contractor_profile", None)
    per_queue = list(own.values("queue_id", "queue__name").annotate(n=Count("id")).order_by("queue_id"))
    return json_safe(
        {
            "rater": {
                "id": rater.pk,
                "email": rater.email,
                "qualification": profile.qualification if profile else None,
                "is_active": profile.is_active if profile else rater.is_active,
            },
            "n_labels": len(item_ids),
            "labels_per_queue": [
                {"queue_id": row["queue_id"], "queue_name": row["queue__name"], "n_labels": row["n"]}
                for row in per_queue
            ],
            "n_comparisons": Comparison.objects.filter(rater=rater, rejected=False).count(),
            "stats": stats.as_dict() if stats else None,
            "kappa_vs_peers": kappas,
            "speed": {
                "n_tasks": len(active),
                "median_active_seconds": _median(active),
                "median_seconds_claim_to_submit": _median(wall),
            },
            "gold_record": {
                "n_gold": gold_record["scored"],
                "n_correct": gold_record["correct"],
                "accuracy": gold_record["accuracy"],
            },
            "flags": flags,
            "flagged": bool(flags),
            "thresholds": thresholds,
            "disagreements": disagreements,
        }
    )


def consensus_awaiting_adjudication(*, queue: Queue | None = None) -> QuerySet[Consensus]:
    """Items their raters could not decide (a tie or only "unsure") at their queue's cap: final and
    undecided, oldest first, with example, queue and item loaded. What a manager adjudicates
    (:func:`labeling.services.adjudication.consensus_adjudicate`); ``queue`` narrows to one queue."""
    rows = Consensus.objects.filter(decided=False, final=True).select_related("example", "queue", "item")
    if queue is not None:
        rows = rows.filter(queue=queue)
    return rows.order_by("computed_at", "id")


def consensus_votes(*, consensus: Consensus) -> dict[str, int]:
    """How the counted (not rejected) labels of a consensus's item split: injurious, not, unsure."""
    votes = {value: 0 for value in (INJURIOUS, NOT_INJURIOUS, "unsure")}
    for value, n in (
        Label.objects.filter(item_id=consensus.item_id, rejected=False)
        .values_list("value")
        .annotate(n=Count("id"))
    ):
        votes[value] = n
    return votes
