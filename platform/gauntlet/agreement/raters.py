"""Per-rater quality: accuracy against leave-one-out consensus and against gold, label
distribution, and which raters to flag for a manager's review.

Accuracy counts only the rater's *decisive* labels: an "unsure" is neither right
nor wrong, and is reported as ``unsure_rate`` instead (flag it with
``max_unsure_rate``). Leave-one-out consensus is the majority vote of the
*other* raters on the item under the consensus module's policy; items where
the others are undecided (tie, or only unsure) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from gauntlet.agreement.table import (
    INJURY_CATEGORIES,
    UNSURE,
    GoldLabels,
    LabelsInput,
    LabelTable,
    RaterId,
    label_table,
)


@dataclass(frozen=True)
class RaterStats:
    rater: RaterId
    count: int  # labels given, unsure included
    label_counts: dict[str, int]
    unsure_rate: float | None  # None for schemes without an abstain label
    accuracy_vs_majority: float | None  # None when no label could be scored
    n_vs_majority: int
    accuracy_vs_gold: float | None
    n_vs_gold: int
    # true label -> observed label -> P(observed | true), from a Dawid–Skene fit when given
    ds_confusion: dict[str, dict[str, float]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(hits: np.ndarray, totals: np.ndarray) -> list[float | None]:
    return [None if t == 0 else h / t for h, t in zip(hits.tolist(), totals.tolist(), strict=True)]


def _leave_one_out_scores(table: LabelTable) -> tuple[np.ndarray, np.ndarray]:
    """Per rater: (labels scored, labels agreeing with the others' majority)."""
    decisive = np.asarray(table.decisive_codes, dtype=np.intp)
    own_decisive = table.decisive_mask()
    rows = np.flatnonzero(own_decisive)
    others = table.item_counts()[table.item_index[rows]][:, decisive]
    # remove the rater's own vote; its column among the decisive ones
    own_column = np.searchsorted(decisive, table.label_index[rows])
    others[np.arange(len(rows)), own_column] -= 1
    if len(rows):
        top = others.max(axis=1)
        n_top = (others == top[:, None]).sum(axis=1)
        scored = (top > 0) & (n_top == 1)
        correct = scored & (others.argmax(axis=1) == own_column)
    else:
        scored = correct = np.zeros(0, dtype=bool)
    raters = table.rater_index[rows]
    n_scored = np.bincount(raters[scored], minlength=table.n_raters)
    n_correct = np.bincount(raters[correct], minlength=table.n_raters)
    return n_scored, n_correct


def _gold_scores(table: LabelTable, gold: GoldLabels) -> tuple[np.ndarray, np.ndarray]:
    """Per rater: (decisive labels on gold items, those equal to gold)."""
    gold_code = np.full(table.n_items, -1, dtype=np.intp)
    codes = table.item_codes(list(gold))
    decisive = {table.categories[c]: c for c in table.decisive_codes}
    for code, (item, label) in zip(codes.tolist(), gold.items(), strict=True):
        if label not in decisive:
            raise ValueError(f"gold label {label!r} for item {item!r} is not a decisive category")
        if code >= 0:
            gold_code[code] = decisive[label]
    truth = gold_code[table.item_index]
    scored = (truth >= 0) & table.decisive_mask()
    correct = scored & (truth == table.label_index)
    n_scored = np.bincount(table.rater_index[scored], minlength=table.n_raters)
    n_correct = np.bincount(table.rater_index[correct], minlength=table.n_raters)
    return n_scored, n_correct


def rater_stats(
    labels: LabelsInput,
    gold: GoldLabels | None = None,
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
    ds_confusion: Mapping[Any, dict[str, dict[str, float]] | None] | None = None,
) -> dict[RaterId, RaterStats]:
    """Quality figures for every rater in the table, in order of first appearance.

    ``gold`` maps item -> decisive label (items absent from the table are ignored);
    ``ds_confusion`` is ``DawidSkeneFit.confusion``, copied onto each rater.
    """
    table = label_table(labels, categories=categories, abstain=abstain)
    per_category = table.rater_counts()
    count = per_category.sum(axis=1)
    n_loo, hit_loo = _leave_one_out_scores(table)
    if gold:
        n_gold, hit_gold = _gold_scores(table, gold)
    else:
        n_gold = hit_gold = np.zeros(table.n_raters, dtype=np.intp)
    abstain_code = table.abstain_code
    unsure = [None] * table.n_raters if abstain_code is None else _ratio(per_category[:, abstain_code], count)
    acc_loo, acc_gold = _ratio(hit_loo, n_loo), _ratio(hit_gold, n_gold)
    result: dict[RaterId, RaterStats] = {}
    for r, rater in enumerate(table.raters.tolist()):
        result[rater] = RaterStats(
            rater=rater,
            count=int(count[r]),
            label_counts=dict(zip(table.categories, per_category[r].tolist(), strict=True)),
            unsure_rate=unsure[r],
            accuracy_vs_majority=acc_loo[r],
            n_vs_majority=int(n_loo[r]),
            accuracy_vs_gold=acc_gold[r],
            n_vs_gold=int(n_gold[r]),
            ds_confusion=None if ds_confusion is None else ds_confusion.get(rater),
        )
    return result


def flag_raters(
    per_rater: Mapping[Any, RaterStats],
    *,
    min_gold_accuracy: float | None = None,
    min_consensus_accuracy: float | None = None,
    min_count: int = 20,
    max_unsure_rate: float | None = None,
) -> dict[RaterId, list[str]]:
    """Raters below a threshold, each with the reasons in words.

    A figure is judged only when it rests on at least ``min_count`` labels, so a
    new rater is not flagged on two unlucky items. A threshold of ``None`` is not
    checked. Raters with nothing to report are absent from the result.
    """
    flagged: dict[RaterId, list[str]] = {}
    for rater, stats in per_rater.items():
        reasons: list[str] = []
        if (
            min_gold_accuracy is not None
            and stats.accuracy_vs_gold is not None
            and stats.n_vs_gold >= min_count
            and stats.accuracy_vs_gold < min_gold_accuracy
        ):
            reasons.append(
                f"gold accuracy {stats.accuracy_vs_gold:.3f} < {min_gold_accuracy} "
                f"over {stats.n_vs_gold} gold labels"
            )
        if (
            min_consensus_accuracy is not None
            and stats.accuracy_vs_majority is not None
            and stats.n_vs_majority >= min_count
            and stats.accuracy_vs_majority < min_consensus_accuracy
        ):
            reasons.append(
                f"accuracy vs other raters' majority {stats.accuracy_vs_majority:.3f} "
                f"< {min_consensus_accuracy} over {stats.n_vs_majority} labels"
            )
        if (
            max_unsure_rate is not None
            and stats.unsure_rate is not None
            and stats.count >= min_count
            and stats.unsure_rate > max_unsure_rate
        ):
            reasons.append(
                f"unsure rate {stats.unsure_rate:.3f} > {max_unsure_rate} over {stats.count} labels"
            )
        if reasons:
            flagged[rater] = reasons
    return flagged
