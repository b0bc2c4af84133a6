"""One JSON-serialisable bundle of every agreement figure for a label table."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from gauntlet.agreement.consensus import ItemConsensus, dawid_skene_fit, majority_vote
from gauntlet.agreement.metrics import cohen_kappa_pairs, fleiss_kappa, krippendorff_alpha, percent_agreement
from gauntlet.agreement.raters import flag_raters, rater_stats
from gauntlet.agreement.table import INJURY_CATEGORIES, UNSURE, GoldLabels, ItemId, LabelsInput, label_table


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers, NaN/inf as None, tuples as lists and
    mapping keys as strings (rater and item ids may be ints). Floats keep full precision."""
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _consensus_summary(consensus: Mapping[ItemId, ItemConsensus]) -> dict[str, Any]:
    decided = Counter(result.label for result in consensus.values() if result.decided)
    return {
        "label_counts": dict(sorted(decided.items())),
        "n_undecided": sum(1 for result in consensus.values() if not result.decided),
    }


def agreement_report(
    labels: LabelsInput,
    gold: GoldLabels | None = None,
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
    min_overlap: int = 10,
    include_dawid_skene: bool = True,
    min_gold_accuracy: float | None = None,
    min_consensus_accuracy: float | None = None,
    min_count: int = 20,
    max_unsure_rate: float | None = None,
) -> dict[str, Any]:
    """Reliability, consensus summaries and per-rater figures as one plain dict.

    Keys: ``n_items n_raters n_labels categories abstain percent_agreement
    fleiss_kappa krippendorff_alpha cohen_kappa consensus per_rater flagged_raters``
    (and ``dawid_skene_priors`` when Dawid–Skene runs). Undefined statistics are
    ``None``; ids become string keys. Pure; nothing is written anywhere.
    """
    table = label_table(labels, categories=categories, abstain=abstain)
    mv = majority_vote(table)
    consensus: dict[str, Any] = {"majority_vote": _consensus_summary(mv)}
    report: dict[str, Any] = {
        "n_items": table.n_items,
        "n_raters": table.n_raters,
        "n_labels": table.n_labels,
        "categories": list(table.categories),
        "abstain": table.abstain,
        "percent_agreement": percent_agreement(table),
        "fleiss_kappa": fleiss_kappa(table),
        "krippendorff_alpha": krippendorff_alpha(table),
        "cohen_kappa": {
            "min_overlap": min_overlap,
            "pairs": [
                {"rater_a": p.rater_a, "rater_b": p.rater_b, "n_shared": p.n_shared, "kappa": p.kappa}
                for p in cohen_kappa_pairs(table, min_overlap=min_overlap)
            ],
        },
        "consensus": consensus,
    }
    confusion = None
    if include_dawid_skene and table.n_labels:
        fit = dawid_skene_fit(table, gold=gold)
        confusion = fit.confusion
        consensus["dawid_skene"] = _consensus_summary(fit.consensus)
        consensus["n_decided_differently"] = sum(
            1
            for item, result in fit.consensus.items()
            if result.decided and mv[item].decided and result.label != mv[item].label
        )
        report["dawid_skene_priors"] = fit.priors
    per_rater = rater_stats(table, gold, ds_confusion=confusion)
    report["per_rater"] = {rater: stats.as_dict() for rater, stats in per_rater.items()}
    report["flagged_raters"] = flag_raters(
        per_rater,
        min_gold_accuracy=min_gold_accuracy,
        min_consensus_accuracy=min_consensus_accuracy,
        min_count=min_count,
        max_unsure_rate=max_unsure_rate,
    )
    return cast(dict[str, Any], json_safe(report))
