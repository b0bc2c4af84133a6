"""The simulation's headline in numbers and in words: the cost ratio, its bound when nothing against the
last version was verified (the ratio is then unbounded, not missing), and the verdict against the targets."""

from __future__ import annotations

import pytest

from attacks.reports import Attempt
from attacks.simulation.metrics import cost_ratio, cost_ratio_lower_bound, verdict


def _attempts(version: str, minutes: float, verified: int, failed: int) -> list[Attempt]:
    return [Attempt(version, "manual", None, minutes, True, True) for _ in range(verified)] + [
        Attempt(version, "manual", None, minutes, False, False) for _ in range(failed)
    ]


def test_the_ratio_is_minutes_per_verified_example_last_over_baseline() -> None:
    baseline = _attempts("v0", 10.0, 5, 5)  # 100 minutes, 5 verified: 20 a piece
    last = _attempts("v2", 20.0, 2, 8)  # 200 minutes, 2 verified: 100 a piece
    ratio, interval = cost_ratio(baseline, last, resamples=500)
    assert ratio == 5.0
    assert interval is not None and interval[0] <= 5.0 <= interval[1]
    assert cost_ratio_lower_bound(baseline, last) is None  # defined: no bound needed


def test_nothing_verified_against_the_last_version_gives_a_lower_bound_not_a_blank() -> None:
    baseline = _attempts("v0", 10.0, 5, 5)  # 20 minutes a verified example
    last = _attempts("v2", 20.0, 0, 9)  # 180 minutes, none verified
    assert cost_ratio(baseline, last) == (None, None)
    bound = cost_ratio_lower_bound(baseline, last)
    # at most 2.996 examples could have hidden in those 180 minutes (95%): >= 60.08 minutes each
    assert bound == pytest.approx(180 / 2.995732 / 20, abs=1e-4)
    text = verdict(None, None, bound, 0.0)
    assert f"at least {bound}" in text and "at least the target" in text and "AUC held" in text
    # no baseline example: no ratio and no bound
    assert cost_ratio_lower_bound(_attempts("v0", 10.0, 0, 3), last) is None


def test_the_verdict_says_whether_the_targets_were_met() -> None:
    assert verdict(None, None, None, None) == "one version attacked: nothing to compare yet"
    assert verdict(2.5, [1.4, 4.0], None, 0.004).startswith("hardened: cost ratio 2.5")
    assert "includes 1" in verdict(2.5, [0.8, 4.0], None, 0.0)
    assert verdict(0.45, [0.1, 1.36], None, 0.0).startswith("no hardening shown: cost ratio 0.45")
    assert "AUC fell (drop 0.0300" in verdict(0.45, [0.1, 1.36], None, 0.03)
    assert "no human attempt against the baseline" in verdict(None, None, None, 0.0)
