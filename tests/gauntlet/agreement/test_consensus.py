"""Consensus: majority vote and Dawid–Skene, the unsure/tie policy, and escalation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene, MajorityVote

from gauntlet.agreement import (
    COMPARISON_OUTCOMES,
    dawid_skene,
    dawid_skene_fit,
    escalation_candidates,
    majority_vote,
    needs_escalation,
)
from gauntlet.agreement.synthetic import synthetic_crowd

# crowd-kit 1.4 is called directly here for cross-checks; its pandas-4 deprecations are not ours
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:crowdkit.*")

INJ, NOT, UNS = "injurious", "not_injurious", "unsure"


def _item(votes: list[str]) -> list[tuple[str, str, str]]:
    return [("e", f"r{i}", vote) for i, vote in enumerate(votes)]


def test_clear_majority_wins_with_vote_share_and_agreement() -> None:
    result = majority_vote(_item([NOT, NOT, INJ]))["e"]
    assert (result.label, result.decided, result.n_labels) == (NOT, True, 3)
    assert result.confidence == pytest.approx(2 / 3)
    assert result.agreement == pytest.approx(2 / 3)
    assert result.method == "majority_vote"


def test_unsure_is_counted_but_never_a_vote() -> None:
    result = majority_vote(_item([INJ, INJ, UNS]))["e"]
    assert result.label == INJ
    assert result.n_labels == 3  # the unsure judgment was received
    assert result.confidence == pytest.approx(1.0)  # 2 of the 2 votes
    assert result.agreement == pytest.approx(2 / 3)  # 2 of the 3 judgments


@pytest.mark.parametrize("votes", [[INJ, NOT], [INJ, NOT, UNS], [INJ, INJ, NOT, NOT], [UNS], [UNS, UNS, UNS]])
def test_tie_or_only_unsure_is_undecided_in_any_row_order(votes: list[str]) -> None:
    for order in itertools.permutations(votes):
        result = majority_vote(_item(list(order)))["e"]
        assert result.label == UNS
        assert result.decided is False
        assert result.agreement == 0.0
        assert result.n_labels == len(votes)


def test_confidence_of_a_tie_is_the_tied_share_and_zero_without_votes() -> None:
    assert majority_vote(_item([INJ, NOT]))["e"].confidence == pytest.approx(0.5)
    assert majority_vote(_item([UNS, UNS]))["e"].confidence == 0.0


def test_comparison_scheme_without_abstain_reports_undecided_as_none() -> None:
    rows = [("p", "r1", "A"), ("p", "r2", "B"), ("q", "r1", "tie"), ("q", "r2", "tie")]
    result = majority_vote(rows, categories=COMPARISON_OUTCOMES, abstain=None)
    assert result["p"].label is None and not result["p"].decided
    assert result["q"].label == "tie" and result["q"].agreement == 1.0


def test_majority_vote_matches_crowdkit_where_there_is_no_tie() -> None:
    crowd = synthetic_crowd(n_items=300, n_raters=12, raters_per_item=3, seed=3)
    ours = majority_vote(crowd.labels)
    votes = crowd.labels[crowd.labels["label"] != UNS].rename(columns={"item": "task", "rater": "worker"})
    shares = MajorityVote().fit_predict_proba(votes)
    theirs = MajorityVote().fit_predict(votes)
    checked = 0
    for item, result in ours.items():
        if result.decided:
            assert result.label == theirs[item]
            assert result.confidence == pytest.approx(shares.loc[item].max())
            checked += 1
    assert checked > 250


def test_dawid_skene_matches_crowdkit_on_the_votes() -> None:
    crowd = synthetic_crowd(n_items=400, n_raters=10, raters_per_item=4, seed=5)
    ours = dawid_skene(crowd.labels)
    votes = crowd.labels[crowd.labels["label"] != UNS].rename(columns={"item": "task", "rater": "worker"})
    model = DawidSkene(n_iter=100, tol=1e-5).fit(votes)
    assert model.probas_ is not None and model.labels_ is not None
    for item, result in ours.items():
        if item not in model.probas_.index:
            assert result.label == UNS and not result.decided  # only unsure judgments
            continue
        assert result.label == model.labels_[item]
        assert result.confidence == pytest.approx(model.probas_.loc[item].max(), abs=1e-9)


def test_dawid_skene_beats_majority_vote_with_an_adversarial_rater() -> None:
    crowd = synthetic_crowd(
        n_items=600,
        n_raters=5,
        raters_per_item=5,
        kind_counts={"sloppy": 2, "adversarial": 1},
        unsure_rate=0.0,
        seed=11,
    )
    truth = dict(enumerate(crowd.truth.tolist()))
    mv = majority_vote(crowd.labels)
    fit = dawid_skene_fit(crowd.labels)
    mv_accuracy = np.mean([mv[item].label == truth[item] for item in truth])
    ds_accuracy = np.mean([fit.consensus[item].label == truth[item] for item in truth])
    assert ds_accuracy >= 0.95
    assert ds_accuracy > mv_accuracy + 0.03
    # and it learned that the adversary flips: says not_injurious when the truth is injurious
    adversary = crowd.kinds.index("adversarial")
    confusion = fit.confusion[adversary]
    assert confusion is not None
    assert confusion[INJ][NOT] > 0.7
    assert confusion[NOT][INJ] > 0.7
    assert fit.priors[INJ] == pytest.approx(float(np.mean(crowd.truth == INJ)), abs=0.05)


def test_dawid_skene_items_with_only_unsure_are_undecided() -> None:
    crowd = synthetic_crowd(n_items=100, n_raters=6, raters_per_item=3, seed=2)
    extra = pd.DataFrame({"item": ["x", "x"], "rater": [0, 1], "label": [UNS, UNS]})
    result = dawid_skene(pd.concat([crowd.labels, extra], ignore_index=True))["x"]
    assert (result.label, result.decided, result.confidence, result.n_labels) == (UNS, False, 0.0, 2)


def test_dawid_skene_min_confidence_leaves_doubtful_items_undecided() -> None:
    crowd = synthetic_crowd(n_items=200, n_raters=8, raters_per_item=3, seed=4)
    strict = dawid_skene(crowd.labels, min_confidence=0.999999)
    loose = dawid_skene(crowd.labels)
    assert sum(not r.decided for r in strict.values()) > sum(not r.decided for r in loose.values())
    assert all(r.confidence >= 0.999999 for r in strict.values() if r.decided)


def test_dawid_skene_gold_pins_known_items() -> None:
    rows = _item([NOT, NOT, NOT]) + [("g", "r0", INJ), ("g", "r1", NOT), ("g", "r2", NOT)]
    assert dawid_skene(rows, gold={"g": INJ})["g"].label == INJ
    with pytest.raises(ValueError, match="not a decisive category"):
        dawid_skene(rows, gold={"g": UNS})


@pytest.mark.parametrize(
    ("agreement", "n_labels", "expected"),
    [(0.6, 3, True), (0.6, 7, False), (0.8, 3, False), (0.9, 3, False), (0.0, 6, True)],
)
def test_needs_escalation_below_threshold_and_below_cap(
    agreement: float, n_labels: int, expected: bool
) -> None:
    assert needs_escalation(agreement, 0.8, n_labels, 7) is expected


def test_ties_and_weak_items_are_escalation_candidates() -> None:
    rows = _item([INJ, NOT]) + [
        ("f", "r0", INJ),
        ("f", "r1", INJ),
        ("w", "r0", INJ),
        ("w", "r1", INJ),
        ("w", "r2", NOT),
    ]
    consensus = majority_vote(rows)
    assert escalation_candidates(consensus, threshold=0.75, cap=5) == ["e", "w"]
    assert escalation_candidates(consensus, threshold=0.75, cap=3) == ["e"]  # w is at the cap
