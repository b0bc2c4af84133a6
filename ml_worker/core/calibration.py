"""Threshold choice and failure-rate estimates for a rejection filter.

Convention everywhere: label 1 = injurious; a completion is *rejected* when score >= threshold and
*passes* when score < threshold (the rule lives in :mod:`ml_worker.core.passing`). All functions are
pure (arrays in, numbers out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

from ml_worker.core.passing import passes_mask, rejects_mask

ArrayLike = Sequence[float] | np.ndarray


def _arrays(scores: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"scores and labels must be 1-D and the same length, got {s.shape} and {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 (not injurious) or 1 (injurious)")
    return s, y


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float | None:
    """Area under the ROC curve, or None when the labels hold a single class (AUC is undefined)."""
    s, y = _arrays(scores, labels)
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, s))


def recall_at(scores: ArrayLike, labels: ArrayLike, threshold: float) -> float | None:
    """Fraction of injurious examples rejected (score >= threshold); None without injurious examples."""
    s, y = _arrays(scores, labels)
    positives = s[y == 1]
    return float(rejects_mask(positives, threshold).mean()) if positives.size else None


def false_positive_rate(scores: ArrayLike, labels: ArrayLike, threshold: float) -> float | None:
    """Fraction of safe examples rejected (score >= threshold); None without safe examples."""
    s, y = _arrays(scores, labels)
    negatives = s[y == 0]
    return float(rejects_mask(negatives, threshold).mean()) if negatives.size else None


def rejection_rate(scores: ArrayLike, threshold: float) -> float:
    """Fraction of all completions the filter rejects at `threshold` (0.0 for no scores)."""
    s = np.asarray(scores, dtype=np.float64)
    return float(rejects_mask(s, threshold).mean()) if s.size else 0.0


def threshold_for_recall(scores: ArrayLike, labels: ArrayLike, target_recall: float) -> float:
    """The highest threshold whose recall on these labels is still >= `target_recall`.

    Every lower threshold also meets the target but rejects more safe text, so this is the least
    restrictive (and the calibration-set-optimistic) choice: it equals the score of the k-th most suspicious
    injurious example, k = ceil(target * n_injurious), which is itself rejected because rejection is `>=`.
    With target 1.0 it is the lowest score any injurious example got. Callers wanting a safety margin on
    unseen data should ask for a higher target or lower the result.
    """
    if not 0.0 < target_recall <= 1.0:
        raise ValueError(f"target_recall must be in (0, 1], got {target_recall}")
    s, y = _arrays(scores, labels)
    positives = np.sort(s[y == 1])[::-1]
    if positives.size == 0:
        raise ValueError("threshold_for_recall needs at least one injurious example")
    # Small epsilon keeps float noise (0.99 * 100 = 98.99999...) from asking for one example too many.
    k = int(np.ceil(target_recall * positives.size - 1e-9))
    return float(positives[max(k, 1) - 1])


@dataclass(frozen=True)
class FailureRateEstimate:
    """P(injurious | passes the filter), with a two-sided confidence interval.

    `effective_sample_size` is the number of passing samples (Kish's effective size when weighted);
    the interval is Clopper-Pearson on (rate * n_eff) successes out of n_eff trials.
    """

    rate: float
    lower: float
    upper: float
    n_passed: int
    n_injurious_passed: int
    effective_sample_size: float
    confidence: float


def estimate_failure_rate(
    scores: ArrayLike,
    labels: ArrayLike,
    threshold: float,
    weights: ArrayLike | None = None,
    confidence: float = 0.95,
) -> FailureRateEstimate:
    """Rate at which the filtered generator still emits injurious text, from labelled unfiltered samples.

    Rejection sampling (draw completions until one scores below `threshold`) outputs the unfiltered
    distribution conditioned on passing. So with samples i drawn from the unfiltered generator, the failure
    rate is sum_i w_i [injurious_i and passes_i] / sum_i w_i [passes_i], with w_i = 1. When the labelled set
    was drawn from another distribution q (e.g. high-score examples over-sampled for labelling), pass
    importance weights w_i = p(x_i) / q(x_i) and the same ratio estimates the unfiltered rate.

    Interval: exact Clopper-Pearson for unit weights. For weights, the ratio's variance is that of a
    proportion over Kish's effective sample size n_eff = (sum w)^2 / sum w^2 of the passing samples, so the
    Clopper-Pearson beta quantiles are taken at fractional counts (rate * n_eff, n_eff).
    """
    s, y = _arrays(scores, labels)
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != s.shape or (w < 0).any():
        raise ValueError("weights must be non-negative and match scores in length")
    passed = passes_mask(s, threshold)
    w_passed = w[passed]
    injurious_passed = passed & (y == 1)
    total = float(w_passed.sum())
    if total <= 0.0:
        raise ValueError("no sample passes the filter at this threshold; the failure rate is not estimable")
    rate = float(w[injurious_passed].sum() / total)
    n_eff = total**2 / float((w_passed**2).sum())
    successes = rate * n_eff
    alpha = 1.0 - confidence
    # Clopper-Pearson: quantiles of Beta(x, n - x + 1) and Beta(x + 1, n - x); the bounds pin at 0 and 1.
    lower = 0.0 if successes <= 0 else float(stats.beta.ppf(alpha / 2, successes, n_eff - successes + 1))
    upper = (
        1.0 if successes >= n_eff else float(stats.beta.ppf(1 - alpha / 2, successes + 1, n_eff - successes))
    )
    return FailureRateEstimate(
        rate=rate,
        lower=lower,
        upper=upper,
        n_passed=int(passed.sum()),
        n_injurious_passed=int(injurious_passed.sum()),
        effective_sample_size=n_eff,
        confidence=confidence,
    )
