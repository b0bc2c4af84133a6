"""Training data: labelled pairs, stratified splits, loss weights and the per-epoch example order.

Pure functions of their arguments (NumPy generators seeded explicitly; no global RNG is touched).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

ClassWeighting = Literal["balanced", "none", "oversample"]


@dataclass(frozen=True)
class TrainExample:
    """One labelled pair. `label` 1 = injurious; `weight` multiplies its loss on top of class/source weights."""

    prompt: str
    completion: str
    label: int
    source: str = "import"
    weight: float = 1.0


def stratified_split(
    examples: Sequence[TrainExample], val_fraction: float, seed: int
) -> tuple[list[TrainExample], list[TrainExample]]:
    """Split into (train, val) keeping each label's proportion; deterministic given `seed`.

    Each label contributes round(n * val_fraction) examples to val, at least one and at most n - 1 when it
    has two or more; both halves keep the input order.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    rng = np.random.default_rng(seed)
    in_val = np.zeros(len(examples), dtype=bool)
    labels = np.array([example.label for example in examples])
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = round(len(members) * val_fraction)
        if len(members) >= 2:
            count = min(max(count, 1), len(members) - 1)
        in_val[rng.permutation(members)[:count]] = True
    return (
        [e for e, v in zip(examples, in_val, strict=True) if not v],
        [e for e, v in zip(examples, in_val, strict=True) if v],
    )


def loss_weights(
    train_set: Sequence[TrainExample], class_weighting: ClassWeighting, source_weights: dict[str, float]
) -> np.ndarray:
    """Per-example loss weight: example weight x source weight x class weight, normalised to mean 1."""
    labels = np.array([e.label for e in train_set])
    weights = np.array([e.weight * source_weights.get(e.source, 1.0) for e in train_set], dtype=np.float64)
    if class_weighting == "balanced":
        # n / (2 n_c): each class carries half the total weight, whatever the base rate (~2.4% injurious).
        for label in (0, 1):
            count = int((labels == label).sum())
            weights[labels == label] *= len(labels) / (2 * count) if count else 0.0
    # Normalise to mean 1 so the learning rate means the same thing whatever the weighting scheme.
    return weights / weights.mean()


def epoch_order(labels: np.ndarray, class_weighting: ClassWeighting, seed: int, epoch: int) -> np.ndarray:
    """Example indices for one epoch, shuffled by a generator seeded with seed + epoch, so a resumed run
    sees exactly the order the interrupted one saw. "oversample" adds minority-class indices drawn with
    replacement until both classes appear equally often."""
    rng = np.random.default_rng(seed + epoch)
    indices = np.arange(len(labels))
    if class_weighting == "oversample":
        groups = [np.flatnonzero(labels == label) for label in (0, 1)]
        target = max(len(g) for g in groups)
        indices = np.concatenate(
            [g if len(g) == target else rng.choice(g, size=target, replace=True) for g in groups if len(g)]
        )
    return rng.permutation(indices)
