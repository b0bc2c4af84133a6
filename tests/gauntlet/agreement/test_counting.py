"""Plain counting gives crowd-kit's majority vote, item by item, unsure and ties included."""

from __future__ import annotations

import random

import pytest

from gauntlet.agreement.consensus import majority_vote
from gauntlet.agreement.counting import majority_count
from gauntlet.agreement.table import INJURY_CATEGORIES


def test_counting_matches_crowdkit_on_every_item() -> None:
    rng = random.Random(7)
    rows = [
        (item, rater, rng.choice(INJURY_CATEGORIES))
        for item in range(400)
        for rater in rng.sample(range(30), rng.randint(1, 6))
    ]
    expected = majority_vote(rows)
    by_item: dict[int, list[str]] = {}
    for item, _, label in rows:
        by_item.setdefault(item, []).append(label)
    for item, labels in by_item.items():
        got = majority_count(item, labels)
        want = expected[item]
        assert got is not None
        assert (got.label, got.decided, got.n_labels, got.method) == (
            want.label,
            want.decided,
            want.n_labels,
            want.method,
        )
        assert got.confidence == pytest.approx(want.confidence)
        assert got.agreement == pytest.approx(want.agreement)


def test_tie_and_only_unsure_are_undecided() -> None:
    tie = majority_count(1, ["injurious", "not_injurious", "unsure"])
    assert tie is not None and (tie.label, tie.decided, tie.agreement) == ("unsure", False, 0.0)
    unsure = majority_count(2, ["unsure", "unsure"])
    assert unsure is not None and (unsure.decided, unsure.confidence, unsure.n_labels) == (False, 0.0, 2)
    assert majority_count(3, []) is None


def test_a_label_outside_the_categories_is_refused() -> None:
    with pytest.raises(ValueError, match="not among the categories"):
        majority_count(1, ["maybe"])
