"""Quality comparisons: win rate of one system against another, and Bradley–Terry strengths.

Outcomes are ``"A"`` / ``"B"`` / ``"tie"`` *after de-randomisation*: ``"A"`` means
the rater preferred system A, whichever side of the screen it was shown on.

Ties count as half a win for each side, in both the win rate and Bradley–Terry.
The win-rate interval is the Wilson score interval computed on that fractional
success count (wins + ties / 2 out of n). A tie is a genuine "no preference", so
it moves the estimate toward 0.5; treating the score as a Bernoulli proportion
slightly over-states its variance when ties are common (a tie is half-way, not a
coin flip), so the interval is, if anything, conservative.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from gauntlet.agreement.table import COMPARISON_A, COMPARISON_B, COMPARISON_OUTCOMES, COMPARISON_TIE


@dataclass(frozen=True, slots=True)
class WinRate:
    n: int
    wins: int
    losses: int
    ties: int
    win_rate: float | None  # (wins + ties / 2) / n; None when n == 0
    ci_low: float | None
    ci_high: float | None
    confidence: float  # level of the interval, e.g. 0.95


def _check_outcome(outcome: str) -> None:
    if outcome not in COMPARISON_OUTCOMES:
        raise ValueError(
            f"unknown comparison outcome {outcome!r}; expected one of {', '.join(COMPARISON_OUTCOMES)}"
        )


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion; ``successes`` may be fractional (ties as halves)."""
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0:
        raise ValueError("the Wilson interval needs at least one trial")
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    return max(0.0, float(low)), min(1.0, float(high))


def win_rate(outcomes: Iterable[str], *, confidence: float = 0.95) -> WinRate:
    """System A's win rate over ``outcomes``, ties as half, with a Wilson interval."""
    outcome_list = list(outcomes)
    for outcome in outcome_list:
        _check_outcome(outcome)
    wins = outcome_list.count(COMPARISON_A)
    losses = outcome_list.count(COMPARISON_B)
    ties = outcome_list.count(COMPARISON_TIE)
    n = len(outcome_list)
    if n == 0:
        return WinRate(0, 0, 0, 0, None, None, None, confidence)
    score = wins + ties / 2
    low, high = wilson_interval(score, n, confidence)
    return WinRate(n, wins, losses, ties, score / n, low, high, confidence)


@dataclass(frozen=True)
class BradleyTerry:
    systems: list[Hashable]  # sorted by strength, strongest first
    strengths: dict[Hashable, float]  # normalised to sum to 1
    win_probability: dict[Hashable, dict[Hashable, float]]  # [i][j] = P(i preferred to j)
    n_comparisons: int
    n_iterations: int
    converged: bool


def _connected(edges: np.ndarray, *, strongly: bool = False) -> bool:
    """Whether the graph ``edges[i, j] > 0`` is in one piece (``strongly``: every node
    reaches every other along the edges' direction)."""
    from scipy.sparse.csgraph import connected_components

    pieces, _ = connected_components(edges > 0, directed=strongly, connection="strong")
    return int(pieces) == 1


def bradley_terry(
    comparisons: Sequence[tuple[Hashable, Hashable, str]],
    *,
    pseudo_ties: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-10,
) -> BradleyTerry:
    """Bradley–Terry strengths by Hunter's (2004) MM algorithm.

    Each comparison is ``(system_i, system_j, outcome)`` with ``"A"`` meaning
    system_i was preferred, ``"B"`` system_j, ``"tie"`` half a win each. The MM
    update ``p_i <- W_i / sum_j n_ij / (p_i + p_j)`` increases the likelihood at
    every step and converges to the maximum-likelihood strengths, which exist
    when every split of the systems into two groups has a win (or tie) each way
    across it (Hunter's condition). Small data often fails it ("filtered beat
    baseline every time"); ``pseudo_ties`` adds that many virtual ties to every
    pair that was compared, a mild prior toward equal strength that makes the
    estimate exist.

    Raises ``ValueError`` for fewer than two systems, an unknown outcome, a
    self-comparison, a comparison graph in separate pieces (strengths would
    not be comparable), or data with no maximum-likelihood estimate.
    """
    systems: list[Hashable] = []
    index: dict[Hashable, int] = {}
    for left, right, outcome in comparisons:
        _check_outcome(outcome)
        if left == right:
            raise ValueError(f"system {left!r} compared with itself")
        for system in (left, right):
            if system not in index:
                index[system] = len(systems)
                systems.append(system)
    m = len(systems)
    if m < 2:
        raise ValueError("Bradley–Terry needs comparisons between at least two systems")

    wins = np.zeros((m, m))  # wins[i, j]: comparisons of i against j that i won (ties as half)
    for left, right, outcome in comparisons:
        i, j = index[left], index[right]
        credit_i = {COMPARISON_A: 1.0, COMPARISON_B: 0.0, COMPARISON_TIE: 0.5}[outcome]
        wins[i, j] += credit_i
        wins[j, i] += 1.0 - credit_i
    compared = (wins + wins.T) > 0
    if not _connected(compared):
        raise ValueError("the comparison graph is not connected; compare across the groups first")
    wins += np.where(compared, pseudo_ties / 2, 0.0)
    games = wins + wins.T
    if not _connected(wins, strongly=True):
        raise ValueError(
            "Bradley-Terry strengths do not exist for these comparisons: some group of systems never "
            "lost (or never won) against the rest; pass pseudo_ties > 0 or collect more comparisons"
        )

    total_wins = wins.sum(axis=1)
    strength = np.full(m, 1.0 / m)
    converged = False
    n_iterations = 0
    while n_iterations < max_iter:
        n_iterations += 1
        pair_sum = strength[:, None] + strength[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(games > 0, games / pair_sum, 0.0).sum(axis=1)
        updated = np.where(rate > 0, total_wins / np.where(rate > 0, rate, 1.0), 0.0)
        updated /= updated.sum()
        change = float(np.abs(updated - strength).max())
        strength = updated
        if change < tol:
            converged = True
            break

    ranked = sorted(range(m), key=lambda i: -strength[i])
    probability: dict[Hashable, dict[Hashable, float]] = {}
    for i in range(m):
        row: dict[Hashable, float] = {}
        for j in range(m):
            if i != j:
                total = strength[i] + strength[j]
                row[systems[j]] = 0.5 if total == 0 else float(strength[i] / total)
        probability[systems[i]] = row
    return BradleyTerry(
        systems=[systems[i] for i in ranked],
        strengths={systems[i]: float(strength[i]) for i in ranked},
        win_probability=probability,
        n_comparisons=len(comparisons),
        n_iterations=n_iterations,
        converged=converged,
    )
