"""Win rate with a Wilson interval (ties as half) and Bradley–Terry strengths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from gauntlet.agreement import bradley_terry, win_rate


def test_win_rate_counts_ties_as_half() -> None:
    result = win_rate(["A"] * 6 + ["B"] * 2 + ["tie"] * 2)
    assert (result.n, result.wins, result.losses, result.ties) == (10, 6, 2, 2)
    assert result.win_rate == pytest.approx(0.7)


def test_win_rate_interval_is_wilson() -> None:
    result = win_rate(["A"] * 6 + ["B"] * 2 + ["tie"] * 2)
    # Wilson 95% for 7/10, by hand: centre 0.6445, half-width 0.2477
    assert result.ci_low == pytest.approx(0.3968, abs=1e-4)
    assert result.ci_high == pytest.approx(0.8922, abs=1e-4)
    low, high = proportion_confint(7, 10, alpha=0.05, method="wilson")
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_win_rate_interval_with_an_odd_number_of_ties_matches_statsmodels() -> None:
    outcomes = ["A"] * 40 + ["B"] * 51 + ["tie"] * 9
    result = win_rate(outcomes, confidence=0.9)
    low, high = proportion_confint(44.5, 100, alpha=0.1, method="wilson")
    assert result.win_rate == pytest.approx(0.445)
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_all_ties_is_an_even_match() -> None:
    result = win_rate(["tie"] * 20)
    assert result.win_rate == 0.5
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low < 0.5 < result.ci_high


def test_win_rate_of_nothing_is_none() -> None:
    result = win_rate([])
    assert (result.n, result.win_rate, result.ci_low, result.ci_high) == (0, None, None, None)


def test_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown comparison outcome 'a'"):
        win_rate(["A", "a"])


_FLIP = {"A": "B", "B": "A", "tie": "tie"}


def _simulate(
    strengths: dict[str, float], per_pair: int, tie_rate: float, seed: int
) -> list[tuple[str, str, str]]:
    """Comparisons drawn from a Bradley–Terry model (plus ties), each pair listed in either order."""
    rng = np.random.default_rng(seed)
    comparisons: list[tuple[str, str, str]] = []
    for left, right in itertools.combinations(strengths, 2):
        p_left = strengths[left] / (strengths[left] + strengths[right])
        for _ in range(per_pair):
            tie, left_wins, swap = rng.random(3) < (tie_rate, p_left, 0.5)
            outcome = "tie" if tie else ("A" if left_wins else "B")
            comparisons.append((right, left, _FLIP[outcome]) if swap else (left, right, outcome))
    return comparisons


def test_bradley_terry_recovers_known_strengths() -> None:
    truth = {"baseline": 0.4, "filtered": 0.3, "small": 0.2, "random": 0.1}
    result = bradley_terry(_simulate(truth, per_pair=3000, tie_rate=0.0, seed=0))
    assert result.converged
    assert result.systems == ["baseline", "filtered", "small", "random"]
    assert sum(result.strengths.values()) == pytest.approx(1.0)
    for system, strength in truth.items():
        assert result.strengths[system] == pytest.approx(strength, rel=0.1)
    assert result.win_probability["baseline"]["random"] == pytest.approx(0.8, abs=0.03)
    assert result.win_probability["random"]["baseline"] == pytest.approx(
        1 - result.win_probability["baseline"]["random"]
    )


def test_bradley_terry_with_ties_keeps_the_order() -> None:
    truth = {"a": 0.5, "b": 0.3, "c": 0.2}
    result = bradley_terry(_simulate(truth, per_pair=2000, tie_rate=0.3, seed=1))
    assert result.systems == ["a", "b", "c"]
    # ties pull toward even, but the ratios stay roughly right
    assert result.strengths["a"] / result.strengths["c"] == pytest.approx(2.5, rel=0.35)


def test_bradley_terry_is_at_the_maximum_likelihood() -> None:
    comparisons = _simulate({"x": 0.6, "y": 0.3, "z": 0.1}, per_pair=200, tie_rate=0.1, seed=2)
    result = bradley_terry(comparisons)
    # score equations: each system's wins (ties as half) equal its expected wins
    for system in result.strengths:
        observed = expected = 0.0
        for left, right, outcome in comparisons:
            if system not in (left, right):
                continue
            other = right if system == left else left
            credit = {"A": 1.0, "B": 0.0, "tie": 0.5}[outcome]
            observed += credit if system == left else 1 - credit
            expected += result.win_probability[system][other]
        assert observed == pytest.approx(expected, rel=1e-6)


def test_two_systems_bradley_terry_equals_the_win_rate() -> None:
    comparisons = (
        [("A-sys", "B-sys", "A")] * 30 + [("A-sys", "B-sys", "B")] * 10 + [("A-sys", "B-sys", "tie")] * 4
    )
    result = bradley_terry(comparisons)
    assert result.win_probability["A-sys"]["B-sys"] == pytest.approx(32 / 44)


def test_bradley_terry_refuses_disconnected_or_degenerate_input() -> None:
    with pytest.raises(ValueError, match="not connected"):
        bradley_terry([("a", "b", "A"), ("c", "d", "B")])
    with pytest.raises(ValueError, match="at least two systems"):
        bradley_terry([])
    with pytest.raises(ValueError, match="compared with itself"):
        bradley_terry([("a", "a", "tie")])


def test_bradley_terry_without_a_maximum_likelihood_estimate_needs_pseudo_ties() -> None:
    one_sided = [("a", "b", "A"), ("a", "b", "A"), ("b", "c", "tie")]  # nothing ever beats a
    with pytest.raises(ValueError, match="pseudo_ties"):
        bradley_terry(one_sided)
    result = bradley_terry(one_sided, pseudo_ties=1.0)
    assert result.converged
    assert result.systems[0] == "a"
    assert result.strengths["b"] == pytest.approx(result.strengths["c"])
