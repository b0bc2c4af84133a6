"""Per-rater quality: leave-one-out accuracy, gold accuracy, label mix, flags."""

from __future__ import annotations

import pytest

from gauntlet.agreement import dawid_skene_fit, flag_raters, rater_stats
from gauntlet.agreement.raters import RaterStats
from gauntlet.agreement.synthetic import synthetic_crowd

INJ, NOT, UNS = "injurious", "not_injurious", "unsure"

ROWS = [
    ("e1", "r1", INJ),
    ("e1", "r2", INJ),
    ("e1", "r3", NOT),
    ("e2", "r1", INJ),
    ("e2", "r2", INJ),
    ("e2", "r3", INJ),
    ("e3", "r1", NOT),
    ("e3", "r2", UNS),
    ("e3", "r3", NOT),
    ("e4", "r1", INJ),
    ("e4", "r2", NOT),
]


def test_accuracy_against_the_other_raters_majority_by_hand() -> None:
    stats = rater_stats(ROWS)
    # r1: e1 others tie (excluded), e2 right, e3 right (r2's unsure is not a vote), e4 wrong
    assert (stats["r1"].accuracy_vs_majority, stats["r1"].n_vs_majority) == (pytest.approx(2 / 3), 3)
    # r2: e1 others tie, e2 right, e3 is r2's own unsure (not scored), e4 wrong
    assert (stats["r2"].accuracy_vs_majority, stats["r2"].n_vs_majority) == (pytest.approx(1 / 2), 2)
    # r3: e1 wrong (others say I, I), e2 right, e3 right
    assert (stats["r3"].accuracy_vs_majority, stats["r3"].n_vs_majority) == (pytest.approx(2 / 3), 3)


def test_accuracy_against_gold_by_hand() -> None:
    stats = rater_stats(ROWS, gold={"e1": INJ, "e4": NOT, "not-in-table": INJ})
    assert (stats["r1"].accuracy_vs_gold, stats["r1"].n_vs_gold) == (0.5, 2)
    assert (stats["r2"].accuracy_vs_gold, stats["r2"].n_vs_gold) == (1.0, 2)
    assert (stats["r3"].accuracy_vs_gold, stats["r3"].n_vs_gold) == (0.0, 1)
    assert rater_stats(ROWS)["r1"].accuracy_vs_gold is None


def test_label_distribution_and_unsure_rate() -> None:
    stats = rater_stats(ROWS)
    assert stats["r2"].label_counts == {INJ: 2, NOT: 1, UNS: 1}
    assert stats["r2"].count == 4
    assert stats["r2"].unsure_rate == pytest.approx(0.25)
    assert stats["r3"].unsure_rate == 0.0


def test_gold_must_be_decisive() -> None:
    with pytest.raises(ValueError, match="not a decisive category"):
        rater_stats(ROWS, gold={"e1": UNS})


def _stats(**overrides: object) -> RaterStats:
    base: dict[str, object] = {
        "rater": "r",
        "count": 100,
        "label_counts": {INJ: 40, NOT: 55, UNS: 5},
        "unsure_rate": 0.05,
        "accuracy_vs_majority": 0.9,
        "n_vs_majority": 90,
        "accuracy_vs_gold": 0.95,
        "n_vs_gold": 30,
    }
    base.update(overrides)
    return RaterStats(**base)  # type: ignore[arg-type]


def test_flag_raters_names_each_reason_and_respects_min_count() -> None:
    per_rater = {
        "fine": _stats(),
        "bad_gold": _stats(accuracy_vs_gold=0.6),
        "bad_both": _stats(accuracy_vs_gold=0.5, accuracy_vs_majority=0.55),
        "new": _stats(accuracy_vs_gold=0.0, n_vs_gold=3, accuracy_vs_majority=0.1, n_vs_majority=4),
        "unsure": _stats(unsure_rate=0.4),
        "no_gold": _stats(accuracy_vs_gold=None, n_vs_gold=0),
    }
    flagged = flag_raters(
        per_rater, min_gold_accuracy=0.8, min_consensus_accuracy=0.7, min_count=20, max_unsure_rate=0.2
    )
    assert set(flagged) == {"bad_gold", "bad_both", "unsure"}
    assert flagged["bad_gold"] == ["gold accuracy 0.600 < 0.8 over 30 gold labels"]
    assert len(flagged["bad_both"]) == 2
    assert "unsure rate 0.400" in flagged["unsure"][0]
    assert flag_raters(per_rater) == {}  # no thresholds, no flags


def test_flag_raters_catches_spammers_and_adversaries_in_a_synthetic_crowd() -> None:
    crowd = synthetic_crowd(n_items=1500, n_raters=20, raters_per_item=5, seed=7)
    fit = dawid_skene_fit(crowd.labels)
    stats = rater_stats(crowd.labels, ds_confusion=fit.confusion)
    flagged = flag_raters(stats, min_consensus_accuracy=0.75, min_count=50)
    bad = {rater for rater, kind in enumerate(crowd.kinds) if kind in ("spammer", "adversarial")}
    good = {rater for rater, kind in enumerate(crowd.kinds) if kind == "good"}
    assert bad <= set(flagged)
    assert not (good & set(flagged))
    assert stats[0].ds_confusion is not None
