from __future__ import annotations

import math

import numpy as np

from ml_worker.core.calibration import false_positive_rate, recall_at, rejection_rate
from ml_worker.core.passing import passes, passes_mask, rejects, rejects_mask


def test_a_score_at_the_threshold_is_rejected_and_just_below_passes() -> None:
    assert passes(0.4999, 0.5) and not rejects(0.4999, 0.5)
    assert not passes(0.5, 0.5) and rejects(0.5, 0.5)
    assert not passes(math.nan, 0.5) and rejects(math.nan, 0.5)


def test_masks_agree_with_the_scalar_rule_element_by_element() -> None:
    scores = [0.1, 0.5, 0.7, math.nan, 0.4999]
    assert passes_mask(scores, 0.5).tolist() == [passes(s, 0.5) for s in scores]
    assert rejects_mask(scores, 0.5).tolist() == [rejects(s, 0.5) for s in scores]


def test_calibration_counts_the_boundary_as_rejected_like_the_live_verdict() -> None:
    scores, labels = np.array([0.5, 0.2, 0.5, 0.9]), np.array([1, 1, 0, 0])
    assert recall_at(scores, labels, 0.5) == 0.5
    assert false_positive_rate(scores, labels, 0.5) == 1.0
    assert rejection_rate(scores, 0.5) == 0.75
