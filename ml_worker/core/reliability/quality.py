"""Quality cost of a threshold and the calibration proposal.

For each prompt a rater compares the first completion the filter accepts with a random unfiltered
one (display order randomised elsewhere). The *unfiltered win rate* is the share of comparisons
the unfiltered completion wins, ties counting half: 50% means filtering costs no quality. One
prompt is one pair; several raters of a pair are averaged first, so the interval counts pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ml_worker.core.reliability.intervals import wilson, wilson_upper

UNFILTERED_WIN, TIE, FILTERED_WIN = 1.0, 0.5, 0.0


@dataclass(frozen=True)
class WinRate:
    threshold: float
    n_pairs: int
    n_judgments: int
    unfiltered_wins: int
    ties: int
    filtered_wins: int
    win_rate: float | None
    lower: float | None
    upper: float | None
    upper_one_sided: float | None
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unfiltered_win_rate(
    threshold: float, judgments_per_pair: Mapping[Any, Sequence[float]], confidence: float = 0.95
) -> WinRate:
    """``judgments_per_pair``: pair -> values (1 unfiltered won, 0.5 tie, 0 filtered won)."""
    values = [list(v) for v in judgments_per_pair.values() if len(v)]
    flat = [x for v in values for x in v]
    if any(x not in (UNFILTERED_WIN, TIE, FILTERED_WIN) for x in flat):
        raise ValueError("a judgment is 1 (unfiltered won), 0.5 (tie) or 0 (filtered won)")
    counts = {
        "unfiltered_wins": sum(1 for x in flat if x == UNFILTERED_WIN),
        "ties": sum(1 for x in flat if x == TIE),
        "filtered_wins": sum(1 for x in flat if x == FILTERED_WIN),
    }
    if not values:
        return WinRate(
            threshold,
            0,
            0,
            **counts,
            win_rate=None,
            lower=None,
            upper=None,
            upper_one_sided=None,
            confidence=confidence,
        )
    per_pair = [sum(v) / len(v) for v in values]
    wins, n = float(sum(per_pair)), len(per_pair)
    lower, upper = wilson(wins, n, confidence)
    return WinRate(
        threshold=float(threshold),
        n_pairs=n,
        n_judgments=len(flat),
        **counts,
        win_rate=wins / n,
        lower=lower,
        upper=upper,
        upper_one_sided=wilson_upper(wins, n, confidence),
        confidence=confidence,
    )


def calibration_proposal(
    win_rates: Sequence[WinRate], *, max_win_rate_upper: float, min_pairs: int = 1
) -> WinRate | None:
    """The most conservative (lowest) threshold whose one-sided upper bound on the unfiltered win
    rate is within ``max_win_rate_upper``, among thresholds with at least ``min_pairs`` judged
    pairs; None when no tested threshold qualifies."""
    qualifying = [
        w
        for w in win_rates
        if w.n_pairs >= min_pairs
        and w.upper_one_sided is not None
        and w.upper_one_sided <= max_win_rate_upper
    ]
    return min(qualifying, key=lambda w: w.threshold) if qualifying else None
