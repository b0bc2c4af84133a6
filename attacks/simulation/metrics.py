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
