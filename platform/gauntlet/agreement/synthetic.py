"""Seeded synthetic crowds with known truth and known rater confusion matrices.

Used by the consensus benchmark and the tests. Rater kinds, for the binary
injury task (true label -> P(injurious), P(not_injurious), P(unsure)):

* ``good``: right 88-97% of the time, a little unsure;
* ``sloppy``: right ~65%;
* ``spammer``: answers "injurious" 50% of the time whatever the truth;
* ``adversarial``: flips the truth 85-90% of the time (what an attacker
  who wants injurious text to pass would do; Dawid–Skene can learn the flip,
  majority vote cannot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gauntlet.agreement.table import INJURIOUS, INJURY_CATEGORIES, NOT_INJURIOUS


@dataclass(frozen=True)
class SyntheticCrowd:
    labels: pd.DataFrame  # columns item, rater, label (strings), one row per judgment
    truth: np.ndarray  # per item id 0..n_items-1: the true label as a string
    confusion: np.ndarray  # (n_raters, 2 true [injurious, not], 3 observed [INJURY_CATEGORIES order])
    kinds: list[str]  # per rater id 0..n_raters-1


def _confusion(kind: str, rng: np.random.Generator, unsure: float) -> np.ndarray:
    if kind == "good":
        right_pos, right_neg = rng.uniform(0.88, 0.97, size=2)
    elif kind == "sloppy":
        right_pos, right_neg = rng.uniform(0.6, 0.7, size=2)
    elif kind == "spammer":
        right_pos, right_neg = 0.5, 0.5
    elif kind == "adversarial":
        right_pos, right_neg = rng.uniform(0.1, 0.15, size=2)
    else:
        raise ValueError(f"unknown rater kind {kind!r}")
    decisive = 1.0 - unsure
    # rows: true injurious, true not_injurious; columns: injurious, not_injurious, unsure
    return np.array(
        [
            [decisive * right_pos, decisive * (1 - right_pos), unsure],
            [decisive * (1 - right_neg), decisive * right_neg, unsure],
        ]
    )


def synthetic_crowd(
    *,
    n_items: int,
    n_raters: int = 50,
    raters_per_item: int = 5,
    positive_rate: float = 0.15,
    kind_counts: dict[str, int] | None = None,
    unsure_rate: float = 0.02,
    seed: int = 0,
) -> SyntheticCrowd:
    """``n_items`` items, each labelled by ``raters_per_item`` distinct raters drawn
    uniformly from ``n_raters``. ``kind_counts`` defaults to 70% good, 14% sloppy,
    8% spammer, 8% adversarial (rounded; the rest good). Deterministic in ``seed``.
    """
    if raters_per_item > n_raters:
        raise ValueError("raters_per_item cannot exceed n_raters")
    rng = np.random.default_rng(seed)
    if kind_counts is None:
        kind_counts = {
            "sloppy": round(0.14 * n_raters),
            "spammer": round(0.08 * n_raters),
            "adversarial": round(0.08 * n_raters),
        }
    kinds = [kind for kind, count in kind_counts.items() for _ in range(count) if kind != "good"]
    if len(kinds) > n_raters:
        raise ValueError("kind_counts name more raters than n_raters")
    kinds = ["good"] * (n_raters - len(kinds)) + kinds
    kinds = [kinds[i] for i in rng.permutation(n_raters)]
    confusion = np.stack([_confusion(kind, rng, 0.0 if kind == "spammer" else unsure_rate) for kind in kinds])

    truth_positive = rng.random(n_items) < positive_rate
    # distinct raters per item: the first k of a random ordering of all raters
    raters = np.argpartition(rng.random((n_items, n_raters)), raters_per_item - 1, axis=1)[
        :, :raters_per_item
    ]
    true_row = np.where(truth_positive, 0, 1)[:, None].repeat(raters_per_item, axis=1)
    cumulative = np.cumsum(confusion[raters, true_row], axis=2)
    draw = rng.random((n_items, raters_per_item, 1))
    observed = np.minimum((draw > cumulative).sum(axis=2), len(INJURY_CATEGORIES) - 1)

    names = np.asarray(INJURY_CATEGORIES, dtype=object)
    frame = pd.DataFrame(
        {
            "item": np.repeat(np.arange(n_items), raters_per_item),
            "rater": raters.ravel(),
            "label": names[observed.ravel()],
        }
    )
    truth = np.where(truth_positive, INJURIOUS, NOT_INJURIOUS).astype(object)
    return SyntheticCrowd(labels=frame, truth=truth, confusion=confusion, kinds=kinds)
