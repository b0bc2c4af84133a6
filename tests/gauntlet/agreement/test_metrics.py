"""Reliability statistics against hand-computed values and against the reference libraries."""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from gauntlet.agreement import (
    cohen_kappa_matrix,
    cohen_kappa_pairs,
    fleiss_kappa,
    krippendorff_alpha,
    label_table,
    percent_agreement,
)
from gauntlet.agreement.synthetic import synthetic_crowd

INJ, NOT, UNS = "injurious", "not_injurious", "unsure"

# 4 items x 3 raters; per-item counts (I, N, U): (3,0,0) (2,1,0) (0,3,0) (0,2,1)
HAND_TABLE = [
    ("e1", "a", INJ),
    ("e1", "b", INJ),
    ("e1", "c", INJ),
    ("e2", "a", INJ),
    ("e2", "b", INJ),
    ("e2", "c", NOT),
    ("e3", "a", NOT),
    ("e3", "b", NOT),
    ("e3", "c", NOT),
    ("e4", "a", NOT),
    ("e4", "b", NOT),
    ("e4", "c", UNS),
]


def test_percent_agreement_by_hand() -> None:
    # agreeing pairs per item: 3/3, 1/3, 3/3, 1/3
    assert percent_agreement(HAND_TABLE) == pytest.approx(2 / 3)


def test_percent_agreement_ignores_single_rating_items() -> None:
    assert percent_agreement([*HAND_TABLE, ("solo", "a", INJ)]) == pytest.approx(2 / 3)
    assert percent_agreement([("solo", "a", INJ)]) is None


def test_fleiss_kappa_by_hand() -> None:
    # P_bar = 2/3; p = (5, 6, 1)/12 so P_e = 62/144; kappa = (96 - 62) / (144 - 62) = 17/41
    assert fleiss_kappa(HAND_TABLE) == pytest.approx(17 / 41)


def test_fleiss_kappa_is_none_when_raters_per_item_differ() -> None:
    assert fleiss_kappa([*HAND_TABLE, ("e5", "a", INJ), ("e5", "b", INJ)]) is None


def test_fleiss_kappa_is_none_without_variation() -> None:
    assert fleiss_kappa([("e1", "a", INJ), ("e1", "b", INJ), ("e2", "a", INJ), ("e2", "b", INJ)]) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fleiss_kappa_matches_statsmodels(seed: int) -> None:
    crowd = synthetic_crowd(n_items=300, n_raters=15, raters_per_item=4, seed=seed)
    counts = label_table(crowd.labels).item_counts()
    assert fleiss_kappa(crowd.labels) == pytest.approx(statsmodels_fleiss_kappa(counts, method="fleiss"))


def test_krippendorff_alpha_by_hand() -> None:
    # coincidences off the diagonal: 2 (item e2) + 2 (item e4) = 4; n = 12; n_c = (5, 6, 1)
    # alpha = 1 - (n - 1) * 4 / (144 - 62) = 19/41
    assert krippendorff_alpha(HAND_TABLE) == pytest.approx(19 / 41)


def _from_matrix(matrix: Sequence[Sequence[str | None]]) -> list[tuple[int, int, str]]:
    """Reliability data (observers x units, None missing) as long rows."""
    return [
        (unit, observer, value)
        for observer, row in enumerate(matrix)
        for unit, value in enumerate(row)
        if value is not None
    ]


def test_krippendorff_alpha_binary_example_from_the_paper() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", 2 observers, binary: 0.095
    a = "0 1 0 0 0 0 0 0 1 0".split()
    b = "1 1 1 0 0 1 0 0 0 0".split()
    alpha = krippendorff_alpha(_from_matrix([a, b]), categories=("0", "1"), abstain=None)
    assert alpha == pytest.approx(16 / 168)
    assert round(alpha or 0, 3) == 0.095


def test_krippendorff_alpha_missing_data_example_from_the_paper() -> None:
    # Krippendorff (2011), 4 observers x 12 units with missing values, nominal alpha = 0.743
    rows = [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ]
    matrix = [[None if v == "." else v for v in row.split()] for row in rows]
    alpha = krippendorff_alpha(_from_matrix(matrix), categories=("1", "2", "3", "4", "5"), abstain=None)
    assert round(alpha or 0, 3) == 0.743


@pytest.mark.parametrize("seed", [0, 1])
def test_krippendorff_alpha_matches_the_package_on_a_reliability_matrix(seed: int) -> None:
    crowd = synthetic_crowd(n_items=250, n_raters=12, raters_per_item=3, seed=seed)
    # drop some labels so items have 1-3 ratings: missing data
    labels = crowd.labels.sample(frac=0.8, random_state=seed)
    table = label_table(labels)
    reliability = np.full((table.n_raters, table.n_items), np.nan)
    reliability[table.rater_index, table.item_index] = table.label_index
    expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    assert krippendorff_alpha(labels) == pytest.approx(expected)


def test_krippendorff_alpha_is_none_when_undefined() -> None:
    assert krippendorff_alpha([("e1", "a", INJ), ("e1", "b", INJ)]) is None
    assert krippendorff_alpha([("e1", "a", INJ), ("e2", "b", NOT)]) is None  # nothing pairable


def test_cohen_kappa_by_hand() -> None:
    r1 = [INJ, INJ, INJ, INJ, NOT, NOT, NOT, NOT, NOT, NOT]
    r2 = [INJ, INJ, INJ, NOT, NOT, NOT, NOT, NOT, NOT, INJ]
    rows = [(k, "r1", v) for k, v in enumerate(r1)] + [(k, "r2", v) for k, v in enumerate(r2)]
    (pair,) = cohen_kappa_pairs(rows, min_overlap=10)
    # p_o = 0.8, p_e = (4*4 + 6*6) / 100 = 0.52
    assert (pair.rater_a, pair.rater_b, pair.n_shared) == ("r1", "r2", 10)
    assert pair.kappa == pytest.approx((0.8 - 0.52) / 0.48)
    assert cohen_kappa_pairs(rows, min_overlap=11) == []


def test_cohen_kappa_pairs_match_sklearn_on_shared_items() -> None:
    crowd = synthetic_crowd(n_items=400, n_raters=8, raters_per_item=4, seed=9)
    by_rater = {
        rater: dict(zip(group["item"], group["label"], strict=True))
        for rater, group in crowd.labels.groupby("rater")
    }
    pairs = cohen_kappa_pairs(crowd.labels, min_overlap=30)
    assert len(pairs) == 28  # every pair of 8 raters shares ~86 items
    for pair in pairs:
        shared = sorted(set(by_rater[pair.rater_a]) & set(by_rater[pair.rater_b]))
        assert pair.n_shared == len(shared)
        expected = cohen_kappa_score(
            [by_rater[pair.rater_a][i] for i in shared], [by_rater[pair.rater_b][i] for i in shared]
        )
        assert pair.kappa == pytest.approx(expected)


def test_cohen_kappa_matrix_is_symmetric_with_gaps_for_little_overlap() -> None:
    rows = [(k, "r1", INJ if k % 2 else NOT) for k in range(12)] + [(k, "r2", INJ) for k in range(12)]
    rows += [(100, "r3", NOT)]
    matrix = cohen_kappa_matrix(rows, min_overlap=10)
    assert matrix.loc["r1", "r2"] == matrix.loc["r2", "r1"] == pytest.approx(0.0)
    assert np.isnan(matrix.loc["r1", "r3"])


def test_cohen_kappa_is_none_when_both_raters_use_one_label() -> None:
    rows = [(k, "r1", INJ) for k in range(10)] + [(k, "r2", INJ) for k in range(10)]
    assert cohen_kappa_pairs(rows, min_overlap=5)[0].kappa is None
