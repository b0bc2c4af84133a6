"""Reads of the attacks app: sessions, submissions, the registry, the matrix, batch counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from attacks.models import (
    AdversarialEvaluation,
    AdversarialExample,
    AttackSubmission,
    CandidateStatus,
    ParaphraseBatch,
    RewriteSession,
    SubmissionStatus,
)
from gauntlet.accounts.models import User
from gauntlet.payments.models import LedgerEntry
from ml_worker.models import ClassifierVersion


def rewrite_session_for_contractor(*, session_id: int, contractor: User) -> RewriteSession | None:
    """The contractor's own session; someone else's is indistinguishable from a missing one."""
    return (
        RewriteSession.objects.select_related("seed", "classifier_version", "assignment")
        .filter(pk=session_id, contractor=contractor)
        .first()
    )


def rewrite_session_threshold(*, session: RewriteSession) -> float:
    """The threshold a rewrite session is judged by, shown and applied alike: the attacked version's
    current threshold (a manager's change applies to open sessions at once; ``session.threshold`` is
    only the record of what it was when the session opened)."""
    return float(session.classifier_version.threshold)


def attack_submissions_for_author(*, author: User) -> QuerySet[AttackSubmission]:
    return (
        AttackSubmission.objects.filter(author=author)
        .select_related("example", "classifier_version", "session")
        .order_by("-id")
    )


def adversarial_example_list(*, filters: dict[str, Any]) -> QuerySet[AdversarialExample]:
    """Filter by ``round``, ``classifier_version`` (id), ``source``, ``author`` (id)."""
    queryset = AdversarialExample.objects.select_related("example", "classifier_version", "author").order_by(
        "-id"
    )
    if filters.get("round"):
        queryset = queryset.filter(round=filters["round"])
    if filters.get("classifier_version"):
        queryset = queryset.filter(classifier_version_id=filters["classifier_version"])
    if filters.get("source"):
        queryset = queryset.filter(source=filters["source"])
    if filters.get("author"):
        queryset = queryset.filter(author_id=filters["author"])
    return queryset


def adversarial_matrix() -> dict[str, Any]:
    """Rows = attacked version, columns = evaluating version, cell = fraction still passing (and n).

    Held-out adversarial examples only (members of an evaluation set): a later version trained on
    the rest would otherwise be scored on examples it learnt from."""
    versions = {v.pk: v.name for v in ClassifierVersion.objects.order_by("id")}
    held_out = AdversarialEvaluation.objects.filter(adversarial_example__example__evaluation__isnull=False)
    # Counted by the database: one row per (attacked, evaluating) version pair.
    cells: dict[tuple[int, int], list[int]] = {
        (attacked, evaluated): [passing, n]
        for attacked, evaluated, passing, n in held_out.values(
            "adversarial_example__classifier_version_id", "classifier_version_id"
        )
        .annotate(passing=Count("id", filter=Q(passes=True)), n=Count("id"))
        .values_list("adversarial_example__classifier_version_id", "classifier_version_id", "passing", "n")
        .order_by()
    }
    attacked_ids = sorted(
        AdversarialExample.objects.filter(example__evaluation__isnull=False)
        .values_list("classifier_version_id", flat=True)
        .distinct()
        .order_by()
    )
    evaluated_ids = sorted({e for _, e in cells})
    rows = []
    for attacked in attacked_ids:
        row = []
        for evaluated in evaluated_ids:
            passing, n = cells.get((attacked, evaluated), [0, 0])
            row.append(
                {"evaluated": versions[evaluated], "n": n, "still_passing": passing / n if n else None}
            )
        rows.append({"attacked": versions[attacked], "cells": row})
    return {"columns": [versions[e] for e in evaluated_ids], "rows": rows, "held_out_only": True}


def paraphrase_batch_counts(*, batch: ParaphraseBatch) -> dict[str, Any]:
    """generated, duplicates, passed the classifier, verified injurious, failed, and the verification cost."""
    candidates = batch.candidates.exclude(completion="")
    submissions = AttackSubmission.objects.filter(candidate__batch=batch)
    costs = {
        currency: total
        for currency, total in LedgerEntry.objects.filter(
            assignment__item_id__in=submissions.values("verification_item_id")
        )
        .order_by("currency")
        .values_list("currency")
        .annotate(total=Sum("amount"))
    }
    made = candidates.aggregate(
        generated=Count("id"),
        duplicates=Count("id", filter=Q(status=CandidateStatus.DUPLICATE)),
        passed_classifier=Count("id", filter=Q(status=CandidateStatus.PASSED)),
    )
    judged = submissions.aggregate(
        verified_injurious=Count("id", filter=Q(status=SubmissionStatus.VERIFIED)),
        failed_verification=Count("id", filter=Q(status=SubmissionStatus.FAILED)),
    )
    # Money in different currencies is never added up: ``cost`` is the total when the verification
    # was paid in one currency (``cost_currency``), None when in several; ``cost_by_currency`` has each.
    single = len(costs) <= 1
    return {
        **made,
        **judged,
        "cost": str(next(iter(costs.values()), Decimal("0"))) if single else None,
        "cost_currency": next(iter(costs), None) if single else None,
        "cost_by_currency": {currency: str(total) for currency, total in costs.items()},
    }
