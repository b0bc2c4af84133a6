from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np

from ml_worker.core.calibration import false_positive_rate, recall_at, rejection_rate
from ml_worker.core.passing import passes, passes_lookup, passes_mask, rejects, rejects_mask

REPO = Path(__file__).resolve().parents[3]


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


def test_a_score_column_passes_in_sql_by_the_same_rule() -> None:
    assert passes_lookup("score") == "score__lt"  # equal is rejected, as in passes()


def _score_threshold_comparisons(source: str) -> list[str]:
    """Comparisons of a score with a threshold written out (``score < version.threshold``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [ast.unparse(side) for side in (node.left, *node.comparators)]
        if any(s.endswith("threshold") for s in sides) and any("score" in s for s in sides):
            found.append(ast.unparse(node))
    return found


def test_no_product_code_writes_the_passing_rule_out_itself() -> None:
    assert _score_threshold_comparisons("ok = pop.scores[idx] < pop.threshold") == [
        "pop.scores[idx] < pop.threshold"
    ]
    written_out = {
        str(path.relative_to(REPO)): found
        for root in ("ml_worker", "attacks", "labeling", "platform")
        for path in (REPO / root).rglob("*.py")
        if path.name != "passing.py" and "migrations" not in path.parts
        if (found := _score_threshold_comparisons(path.read_text()))
    }
    assert not written_out, f"use ml_worker.core.passing instead: {written_out}"
