"""The threshold sweep of one classifier version: what filtering costs and what it buys, per threshold.

Inputs are plain arrays: every scored generator sample (prompt id, score), the labelled
in-distribution test set (a :class:`PromptSamples`), held-out labelled sets by name (source and
round), and optionally a score-stratified design over the generator samples for the
Horvitz-Thompson estimate. Lower thresholds are more conservative (reject more).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml_worker.core.passing import passes_mask, rejects_mask
from ml_worker.core.reliability.rejection import PromptSamples, bootstrap_counts, filtered_failure_rate
from ml_worker.core.reliability.stratified import StratifiedDesign, stratified_failure_rate

ArrayLike = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class LabelledSet:
    """A held-out evaluation set's scores and labels (1 = injurious)."""

    scores: np.ndarray
    labels: np.ndarray


def default_thresholds(scores: ArrayLike, current: float | None = None, n: int = 40) -> np.ndarray:
    """Thresholds worth sweeping: score quantiles of the generator samples (so the rejection rate
    moves in even steps), a log grid down to 1e-5 for conservative ones, and the current one."""
    s = np.asarray(scores, dtype=np.float64)
    grid = [np.geomspace(1e-5, 0.99, n // 2)]
    if s.size:
        grid.append(np.quantile(s, np.linspace(0.02, 0.98, n // 2)))
    if current is not None:
        grid.append(np.array([current]))
    values = np.unique(np.round(np.concatenate(grid), 8))
    return values[(values > 0) & (values < 1)]


def samples_per_accepted(
    prompt_ids: ArrayLike | Sequence[int], scores: ArrayLike, threshold: float
) -> dict[str, Any]:
    """The cost of filtering: mean over prompts of (samples / accepted samples), i.e. how many draws
    rejection sampling needs per emitted completion, and the share of prompts with none accepted."""
    _, index = np.unique(np.asarray(prompt_ids), return_inverse=True)
    s = np.asarray(scores, dtype=np.float64)
    if s.size == 0:
        return {"samples_per_accepted": None, "prompts_without_accepted": None}
    drawn = np.bincount(index)
    accepted = np.bincount(index, passes_mask(s, threshold), minlength=drawn.size)
    ok = accepted > 0
    return {
        "samples_per_accepted": float((drawn[ok] / accepted[ok]).mean()) if ok.any() else None,
        "prompts_without_accepted": float(1.0 - ok.mean()),
    }


def threshold_sweep(
    *,
    generator_prompt_ids: ArrayLike | Sequence[int],
    generator_scores: ArrayLike,
    test_set: PromptSamples | None,
    held_out: Mapping[str, LabelledSet],
    thresholds: ArrayLike,
    design: StratifiedDesign | None = None,
    design_scores: ArrayLike | None = None,
    design_labels: ArrayLike | None = None,
    confidence: float = 0.95,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One row per threshold (ascending) with rejection rate, samples per accepted completion,
    recall on every held-out set (on its injurious examples), false-positive rate on the test set,
    the failure-rate estimate of the uniform test set and, with a design, the stratified one."""
    g = np.asarray(generator_scores, dtype=np.float64)
    boot = None
    if test_set is not None and n_bootstrap and test_set.n_prompts:
        boot = bootstrap_counts(test_set.n_prompts, n_bootstrap, seed)
    rows = []
    for t in np.sort(np.asarray(thresholds, dtype=np.float64)):
        row: dict[str, Any] = {
            "threshold": float(t),
            "rejection_rate": float(rejects_mask(g, float(t)).mean()) if g.size else None,
            **samples_per_accepted(generator_prompt_ids, g, float(t)),
            "recall": {},
        }
        for name, labelled in held_out.items():
            injurious = labelled.scores[labelled.labels == 1]
            row["recall"][name] = float(rejects_mask(injurious, float(t)).mean()) if injurious.size else None
        if test_set is not None:
            safe = test_set.scores[test_set.labels == 0]
            row["false_positive_rate"] = float(rejects_mask(safe, float(t)).mean()) if safe.size else None
            row["failure_rate"] = filtered_failure_rate(
                test_set, float(t), confidence=confidence, boot=boot
            ).as_dict()
        if (
            design is not None
            and design_scores is not None
            and design_labels is not None
            and design.n_passing(t)
        ):
            estimate = stratified_failure_rate(
                design, design_scores, design_labels, float(t), confidence=confidence, seed=seed
            )
            row["stratified_failure_rate"] = {
                k: v for k, v in estimate.as_dict().items() if k != "per_stratum"
            }
        rows.append(row)
    return rows
