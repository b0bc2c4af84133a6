"""The run's figures: cost per verified adversarial example by condition, and the cost ratio with its
bootstrap interval. Read from the cost report's own attempts (:func:`attacks.reports.attempts_collect`),
so every figure here is the platform's figure for the same rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from attacks.models import AttackSource
from attacks.reports import Attempt, attempts_collect

HUMAN = (AttackSource.MANUAL, AttackSource.TOOL_ASSISTED)


def attempts_of(version: str, sources: tuple[str, ...]) -> list[Attempt]:
    return [
        a for a in attempts_collect() if a.version == version and a.source in sources and not a.in_progress
    ]


def condition_summary(attempts: list[Attempt]) -> dict[str, Any]:
    verified = sum(a.verified for a in attempts)
    minutes = sum(a.minutes for a in attempts)
    money = sum(float(a.money) for a in attempts)
    return {
        "attempts": len(attempts),
        "submitted": sum(a.submitted for a in attempts),
        "verified": verified,
        "minutes": round(minutes, 3),
        "money": round(money, 4),
        "minutes_per_example": round(minutes / verified, 3) if verified else None,
        "money_per_example": round(money / verified, 4) if verified else None,
    }


def _arrays(attempts: list[Attempt]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([a.minutes for a in attempts], dtype=float),
        np.array([float(a.verified) for a in attempts], dtype=float),
    )


def cost_ratio(
    baseline: list[Attempt], last: list[Attempt], *, resamples: int = 2000, seed: int = 0
) -> tuple[float | None, list[float] | None]:
    """(minutes per verified example against ``last``) ÷ (against ``baseline``), and its 95% percentile
    bootstrap interval resampling each version's attempts independently (resamples with no verified
    example on either side are dropped: the ratio is undefined there). None when either has none."""
    m0, v0 = _arrays(baseline)
    m1, v1 = _arrays(last)
    if not v0.sum() or not v1.sum():
        return None, None
    ratio = (m1.sum() / v1.sum()) / (m0.sum() / v0.sum())
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(m0), size=(resamples, len(m0)))
    b = rng.integers(0, len(m1), size=(resamples, len(m1)))
    w0, w1 = v0[a].sum(axis=1), v1[b].sum(axis=1)
    ok = (w0 > 0) & (w1 > 0) & (m0[a].sum(axis=1) > 0)
    ratios = (m1[b].sum(axis=1)[ok] / w1[ok]) / (m0[a].sum(axis=1)[ok] / w0[ok])
    if not ratios.size:
        return round(float(ratio), 4), None
    low, high = np.percentile(ratios, [2.5, 97.5])
    return round(float(ratio), 4), [round(float(low), 4), round(float(high), 4)]


# With no success in n attempts, the expected number is at most -ln(0.05) = 2.996 at 95% (one-sided, Poisson).
_NONE_SEEN_95 = 2.995732


def cost_ratio_lower_bound(baseline: list[Attempt], last: list[Attempt]) -> float | None:
    """When no attempt against ``last`` was verified, the ratio is unbounded above; this is its 95%
    lower bound: ``last``'s minutes over the most verified examples its attempts could have hidden
    (2.996 for none seen), ÷ the baseline's minutes per verified example (its point estimate). None
    when ``last`` has a verified example (the ratio itself is defined) or the baseline has none."""
    m0, v0 = _arrays(baseline)
    m1, v1 = _arrays(last)
    if v1.sum() or not v0.sum() or not m1.sum():
        return None
    return round(float((m1.sum() / _NONE_SEEN_95) / (m0.sum() / v0.sum())), 4)


def verdict(
    ratio: float | None, interval: list[float] | None, lower_bound: float | None, auc_drop: float | None
) -> str:
    """What the headline says, in words, against the targets (cost ratio >= 2, AUC drop <= 0.01)."""
    if auc_drop is None:
        return "one version attacked: nothing to compare yet"
    auc = (
        f"in-distribution AUC {'held' if auc_drop <= 0.01 else 'fell'} (drop {auc_drop:.4f}, target <= 0.01)"
    )
    if ratio is None and lower_bound is None:
        return f"no human attempt against the baseline was verified: no cost ratio; {auc}"
    if ratio is None:
        met = (
            "at least the target" if lower_bound is not None and lower_bound >= 2 else "not shown to reach 2"
        )
        return (
            f"no human attempt against the last version was verified: the cost ratio is at least "
            f"{lower_bound} (95%), {met}; {auc}"
        )
    low = interval[0] if interval else None
    if ratio >= 2 and low is not None and low > 1:
        hardened = f"hardened: cost ratio {ratio} (95% CI from {low}), target >= 2"
    elif ratio >= 2:
        hardened = f"cost ratio {ratio} meets the target, but its 95% interval includes 1"
    elif low is not None and low > 1:
        hardened = f"dearer to attack but below the target: cost ratio {ratio} (95% CI from {low})"
    else:
        hardened = f"no hardening shown: cost ratio {ratio}, its 95% interval {interval} includes 1 or less"
    return f"{hardened}; {auc}"
