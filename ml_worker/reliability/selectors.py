"""Reads for reliability: the arrays the core's statistics take, gathered from the database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import QuerySet

from labeling.models import Comparison, ComparisonOutcome, Consensus, InjuryLabel
from ml_worker.core.reliability.quality import FILTERED_WIN, TIE, UNFILTERED_WIN, WinRate, unfiltered_win_rate
from ml_worker.models import ClassifierVersion, Score
from ml_worker.reliability.models import (
    EvaluationKind,
    EvaluationSet,
    EvaluationSetMember,
    GeneratedSample,
    ThresholdDecision,
    ThresholdSweep,
)

UNFILTERED_SYSTEM = "unfiltered"


def filtered_system(version: ClassifierVersion, threshold: float) -> str:
    """The comparison system name of "first accepted completion at ``threshold`` under ``version``"."""
    return f"filtered:{version.pk}@{threshold:.6g}"


def decided_labels(example_ids: list[int]) -> dict[int, int]:
    """Example -> 1 (injurious) / 0 (not), from decided final consensus (the latest when several)."""
    labels: dict[int, int] = {}
    for example_id, label in (
        Consensus.objects.filter(
            example_id__in=example_ids,
            decided=True,
            final=True,
            label__in=(InjuryLabel.INJURIOUS, InjuryLabel.NOT_INJURIOUS),
        )
        .order_by("computed_at", "id")
        .values_list("example_id", "label")
    ):
        labels[example_id] = int(label == InjuryLabel.INJURIOUS)
    return labels


def scores_of(*, version: ClassifierVersion, example_ids: list[int]) -> dict[int, float]:
    return dict(
        Score.objects.filter(classifier_version=version, example_id__in=example_ids).values_list(
            "example_id", "probability"
        )
    )


@dataclass
class Population:
    """Every generated sample of the in-distribution sets' batches, with this version's scores."""

    prompt_keys: np.ndarray
    example_ids: np.ndarray
    scores: np.ndarray
    unscored: int = 0


@dataclass
class LabelledTestSet:
    """Labelled, scored members of the in-distribution test sets."""

    prompt_keys: np.ndarray
    example_ids: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    uniform: np.ndarray  # drawn uniformly (not a stratified top-up)
    unlabelled: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def in_distribution_sets() -> QuerySet[EvaluationSet]:
    return EvaluationSet.objects.filter(kind=EvaluationKind.IN_DISTRIBUTION, generation_batch__isnull=False)


def generator_population(*, version: ClassifierVersion) -> Population:
    batches = in_distribution_sets().values_list("generation_batch_id", flat=True)
    rows = list(
        GeneratedSample.objects.filter(batch_id__in=batches)
        .order_by("batch_id", "prompt_index", "sample_index")
        .values_list("batch_id", "prompt_index", "example_id")
    )
    scores = scores_of(version=version, example_ids=[r[2] for r in rows])
    kept = [r for r in rows if r[2] in scores]
    return Population(
        prompt_keys=np.array([f"{b}:{p}" for b, p, _ in kept], dtype=object),
        example_ids=np.array([e for _, _, e in kept], dtype=np.int64),
        scores=np.array([scores[e] for _, _, e in kept], dtype=np.float64),
        unscored=len(rows) - len(kept),
    )


def in_distribution_labelled(*, version: ClassifierVersion) -> LabelledTestSet:
    members = list(
        EvaluationSetMember.objects.filter(evaluation_set__in=in_distribution_sets()).values_list(
            "example_id", "stratum"
        )
    )
    ids = [m for m, _ in members]
    # One sample per example (a duplicate text of a prompt is one Example): its batch and prompt.
    origin = {
        e: (b, p)
        for e, b, p in GeneratedSample.objects.filter(example_id__in=ids).values_list(
            "example_id", "batch_id", "prompt_index"
        )
    }
    labels, scores = decided_labels(ids), scores_of(version=version, example_ids=ids)
    kept = [(m, s) for m, s in members if m in labels and m in scores and m in origin]
    return LabelledTestSet(
        prompt_keys=np.array([f"{origin[m][0]}:{origin[m][1]}" for m, _ in kept], dtype=object),
        example_ids=np.array([m for m, _ in kept], dtype=np.int64),
        scores=np.array([scores[m] for m, _ in kept], dtype=np.float64),
        labels=np.array([labels[m] for m, _ in kept], dtype=np.int64),
        uniform=np.array([s is None for _, s in kept], dtype=bool),
        unlabelled=sum(1 for m in ids if m not in labels),
        counts={"members": len(ids), "labelled": len(labels), "scored": sum(1 for m in ids if m in scores)},
    )


def heldout_sets(*, version: ClassifierVersion) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Held-out adversarial set name -> (scores, labels). Members are verified adversarial examples,
    injurious by verification; a decided consensus elsewhere overrides that."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for evaluation_set in EvaluationSet.objects.filter(kind=EvaluationKind.ADVERSARIAL).order_by("id"):
        ids = list(evaluation_set.members.values_list("example_id", flat=True))
        scores, labels = scores_of(version=version, example_ids=ids), decided_labels(ids)
        kept = [i for i in ids if i in scores]
        out[evaluation_set.name] = (
            np.array([scores[i] for i in kept], dtype=np.float64),
            np.array([labels.get(i, 1) for i in kept], dtype=np.int64),
        )
    return out


def win_rates(*, version: ClassifierVersion) -> list[WinRate]:
    """Unfiltered win rate per threshold this version was quality-compared at (ascending)."""
    prefix = f"filtered:{version.pk}@"
    per_threshold: dict[float, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for system_a, system_b, pair_id, outcome in Comparison.objects.filter(
        pair__system_a__startswith=prefix, rejected=False
    ).values_list("pair__system_a", "pair__system_b", "pair_id", "outcome"):
        if system_b != UNFILTERED_SYSTEM:
            continue
        values: dict[str, float] = {ComparisonOutcome.B: UNFILTERED_WIN, ComparisonOutcome.TIE: TIE}
        value = values.get(str(outcome), FILTERED_WIN)
        per_threshold[float(system_a.removeprefix(prefix))][pair_id].append(value)
    return [unfiltered_win_rate(t, per_threshold[t]) for t in sorted(per_threshold)]


def latest_sweep(*, version: ClassifierVersion) -> ThresholdSweep | None:
    return version.sweeps.order_by("-id").first()


def threshold_decisions(*, version: ClassifierVersion | None = None) -> QuerySet[ThresholdDecision]:
    queryset = ThresholdDecision.objects.select_related("classifier_version", "proposed_by", "decided_by")
    return queryset.filter(classifier_version=version) if version is not None else queryset


def sweep_row_at(rows: list[dict[str, Any]], threshold: float) -> dict[str, Any] | None:
    """The sweep row nearest ``threshold`` (sweeps include every compared and the current threshold)."""
    if not rows:
        return None
    return min(rows, key=lambda row: abs(row["threshold"] - threshold))


def _heldout_metrics(
    version: ClassifierVersion,
    test_ids: list[int],
    test_labels: dict[int, int],
    heldout: dict[str, list[int]],
    scores: dict[int, float],
) -> dict[str, float | None]:
    from ml_worker.core.calibration import false_positive_rate, recall_at, roc_auc
    from ml_worker.core.reliability.rejection import PromptSamples, filtered_failure_rate

    t = version.threshold
    s = [scores[i] for i in test_ids]
    y = [test_labels[i] for i in test_ids]
    out: dict[str, float | None] = {
        "threshold": t,
        "test_auc": roc_auc(s, y) if s else None,
        "test_recall": recall_at(s, y, t) if s else None,
        "test_false_positive_rate": false_positive_rate(s, y, t) if s else None,
    }
    if s:
        prompts = dict(
            GeneratedSample.objects.filter(example_id__in=test_ids).values_list("example_id", "prompt_index")
        )
        estimate = filtered_failure_rate(PromptSamples([prompts.get(i, -i) for i in test_ids], s, y), t)
        out["test_failure_rate"] = estimate.rate
        out["test_failure_rate_upper"] = estimate.upper_one_sided
    pooled: list[float] = []
    for name, ids in heldout.items():
        values = [scores[i] for i in ids]
        pooled += values
        out[f"recall:{name}"] = recall_at(values, [1] * len(values), t) if values else None
    out["heldout_adversarial_recall"] = recall_at(pooled, [1] * len(pooled), t) if pooled else None
    return out


def heldout_comparison(*, a: ClassifierVersion, b: ClassifierVersion) -> dict[str, Any]:
    """Both versions on the *same* held-out examples (evaluation-set members both have scored), each
    at its own threshold: calibrated thresholds are chosen under the same quality bound, so this
    compares versions at a fixed quality cost. Training-validation metrics are never compared: each
    version's validation split is different and may hold what the other trained on."""
    members = list(
        EvaluationSetMember.objects.values_list("example_id", "evaluation_set__kind", "evaluation_set__name")
    )
    ids = [m for m, _, _ in members]
    scores_a, scores_b = scores_of(version=a, example_ids=ids), scores_of(version=b, example_ids=ids)
    both = set(scores_a) & set(scores_b)
    labels = decided_labels(ids)
    test_ids = sorted(
        m for m, kind, _ in members if kind == EvaluationKind.IN_DISTRIBUTION and m in both and m in labels
    )
    heldout: dict[str, list[int]] = defaultdict(list)
    for m, kind, name in members:
        if kind == EvaluationKind.ADVERSARIAL and m in both and labels.get(m, 1) == 1:
            heldout[name].append(m)
    metrics_a = _heldout_metrics(a, test_ids, labels, heldout, scores_a)
    metrics_b = _heldout_metrics(b, test_ids, labels, heldout, scores_b)
    metrics = {}
    for name in sorted(set(metrics_a) | set(metrics_b)):
        va, vb = metrics_a.get(name), metrics_b.get(name)
        metrics[name] = {
            "a": va,
            "b": vb,
            "difference": (vb - va) if va is not None and vb is not None else None,
        }
    return {
        "basis": "held-out evaluation sets only, the same examples for both, each version at its own threshold",
        "n_test": len(test_ids),
        "n_heldout_adversarial": sum(len(v) for v in heldout.values()),
        "unscored": len(ids) - len(both),
        "metrics": metrics,
    }
