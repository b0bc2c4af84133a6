"""Exact binomial intervals and the win-rate interval, as plain functions of counts.

Counts may be fractional (a Kish effective sample size, ties counted as half a win): the
Clopper-Pearson bounds are Beta quantiles, which are defined for any positive parameters.
"""

from __future__ import annotations

import math

from scipy import stats


def clopper_pearson(successes: float, trials: float, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact interval for a binomial proportion (bounds pinned at 0 and 1)."""
    _check(successes, trials, confidence)
    alpha = 1.0 - confidence
    lower = 0.0 if successes <= 0 else float(stats.beta.ppf(alpha / 2, successes, trials - successes + 1))
    upper = (
        1.0
        if successes >= trials
        else float(stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    )
    return lower, upper


def clopper_pearson_upper(successes: float, trials: float, confidence: float = 0.95) -> float:
    """One-sided exact upper bound: with no success it is 1 - (1 - confidence)^(1/n) (about 3/n at 95%)."""
    _check(successes, trials, confidence)
    if successes >= trials:
        return 1.0
    return float(stats.beta.ppf(confidence, successes + 1, trials - successes))


def wilson(successes: float, trials: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval: used for win rates, where ties count half and the rate sits near 1/2."""
    _check(successes, trials, confidence)
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_upper(successes: float, trials: float, confidence: float = 0.95) -> float:
    """One-sided Wilson upper bound (the two-sided bound at confidence 2c - 1)."""
    return wilson(successes, trials, 2 * confidence - 1)[1]


def _check(successes: float, trials: float, confidence: float) -> None:
    if trials <= 0:
        raise ValueError(f"an interval needs at least one trial, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and trials, got {successes} of {trials}")
    if not 0.5 < confidence < 1:
        raise ValueError(f"confidence must be in (0.5, 1), got {confidence}")
