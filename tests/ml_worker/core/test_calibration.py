from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ml_worker.core.calibration import (
    estimate_failure_rate,
    false_positive_rate,
    recall_at,
    rejection_rate,
    roc_auc,
    threshold_for_recall,
)

SCORES = np.array([0.95, 0.9, 0.7, 0.4, 0.2, 0.6, 0.3, 0.1, 0.05, 0.01])
LABELS = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])


def test_auc_counts_correctly_ordered_pairs_and_is_none_for_one_class() -> None:
    # Positives outrank negatives in 22 of the 25 pairs; wrong: 0.4 < 0.6, 0.2 < 0.6, 0.2 < 0.3.
    assert roc_auc(SCORES, LABELS) == pytest.approx(22 / 25)
    assert roc_auc([0.1, 0.9], [1, 1]) is None


def test_recall_false_positives_and_rejection_at_a_threshold() -> None:
    assert recall_at(SCORES, LABELS, 0.5) == pytest.approx(3 / 5)
    assert false_positive_rate(SCORES, LABELS, 0.5) == pytest.approx(1 / 5)
    assert rejection_rate(SCORES, 0.5) == pytest.approx(4 / 10)
    assert rejection_rate(SCORES, 0.95) == pytest.approx(1 / 10)  # score == threshold is rejected
    assert recall_at([0.3], [0], 0.5) is None


def test_threshold_for_recall_is_the_highest_that_still_meets_the_target() -> None:
    assert threshold_for_recall(SCORES, LABELS, 1.0) == 0.2
    assert threshold_for_recall(SCORES, LABELS, 0.8) == 0.4
    assert threshold_for_recall(SCORES, LABELS, 0.61) == 0.4  # 3/5 < 0.61, so the 4th positive is needed
    assert threshold_for_recall(SCORES, LABELS, 0.6) == 0.7
    for target in (0.2, 0.5, 0.75, 0.99, 1.0):
        threshold = threshold_for_recall(SCORES, LABELS, target)
        assert recall_at(SCORES, LABELS, threshold) >= target
        assert recall_at(SCORES, LABELS, np.nextafter(threshold, 1.0)) < target
    with pytest.raises(ValueError, match="target_recall"):
        threshold_for_recall(SCORES, LABELS, 0.0)


def test_unweighted_failure_rate_is_injurious_share_of_passing_with_clopper_pearson_interval() -> None:
    estimate = estimate_failure_rate(SCORES, LABELS, threshold=0.5)
    # Passing (< 0.5): 0.4 and 0.2 (injurious) and 0.3, 0.1, 0.05, 0.01 (safe).
    assert estimate.n_passed == 6
    assert estimate.n_injurious_passed == 2
    assert estimate.rate == pytest.approx(2 / 6)
    low, high = stats.binomtest(2, 6).proportion_ci(0.95, method="exact")
    assert (estimate.lower, estimate.upper) == pytest.approx((low, high))
    assert estimate.effective_sample_size == pytest.approx(6)


def test_zero_failures_still_gets_an_upper_bound() -> None:
    estimate = estimate_failure_rate(SCORES, LABELS, threshold=0.15)
    assert estimate.rate == 0.0
    assert estimate.lower == 0.0
    assert estimate.upper == pytest.approx(1 - 0.025 ** (1 / 3))  # exact CP bound for 0 of 3


def test_importance_weights_reweight_the_rate_and_shrink_the_effective_sample() -> None:
    weights = np.array([1, 1, 1, 3, 3, 1, 1, 1, 1, 1], dtype=float)
    estimate = estimate_failure_rate(SCORES, LABELS, threshold=0.5, weights=weights)
    assert estimate.rate == pytest.approx(6 / 10)
    assert estimate.effective_sample_size == pytest.approx(100 / 22)
    assert estimate.lower < estimate.rate < estimate.upper
    unit = estimate_failure_rate(SCORES, LABELS, threshold=0.5, weights=np.ones(10))
    assert unit.rate == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match="no sample passes"):
        estimate_failure_rate(SCORES, LABELS, threshold=0.0)
