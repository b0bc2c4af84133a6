"""Input handling: tuples and DataFrames in, validated codes out, bad rows refused."""

from __future__ import annotations

import pandas as pd
import pytest

from gauntlet.agreement import INJURY_CATEGORIES, label_table


def test_tuples_and_frame_give_the_same_table() -> None:
    rows = [("e1", "r1", "injurious"), ("e1", 7, "unsure"), (2, "r1", "not_injurious")]
    from_tuples = label_table(rows)
    frame = pd.DataFrame(rows, columns=["item", "worker", "label"])
    from_frame = label_table(frame)
    for table in (from_tuples, from_frame):
        assert table.items.tolist() == ["e1", 2]
        assert table.raters.tolist() == ["r1", 7]
        assert table.n_labels == 3
        assert table.categories == INJURY_CATEGORIES
        assert table.item_counts().tolist() == [[1, 0, 1], [0, 1, 0]]
        assert table.rater_counts().tolist() == [[1, 1, 0], [0, 0, 1]]


def test_crowdkit_column_names_are_accepted() -> None:
    frame = pd.DataFrame({"task": ["a"], "worker": ["w"], "label": ["injurious"]})
    assert label_table(frame).items.tolist() == ["a"]


def test_unknown_label_is_refused_with_its_row() -> None:
    with pytest.raises(ValueError, match=r"row 1: unknown label 'maybe'"):
        label_table([("e1", "r1", "injurious"), ("e1", "r2", "maybe")])


def test_same_rater_twice_on_an_item_is_refused() -> None:
    with pytest.raises(ValueError, match=r"row 2: rater 'r1' labelled item 'e1' twice"):
        label_table([("e1", "r1", "injurious"), ("e2", "r1", "injurious"), ("e1", "r1", "unsure")])


def test_missing_value_is_refused() -> None:
    with pytest.raises(ValueError, match="row 0: missing rater"):
        label_table([("e1", None, "injurious")])


def test_missing_column_is_refused() -> None:
    with pytest.raises(ValueError, match="column named rater or worker"):
        label_table(pd.DataFrame({"item": ["e1"], "label": ["injurious"]}))


def test_abstain_must_be_a_category() -> None:
    with pytest.raises(ValueError, match="abstain label"):
        label_table([], categories=("A", "B"), abstain="unsure")


def test_empty_input_is_an_empty_table() -> None:
    table = label_table([])
    assert (table.n_items, table.n_raters, table.n_labels) == (0, 0, 0)
