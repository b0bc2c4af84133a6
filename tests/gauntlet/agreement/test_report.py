"""The bundled report is plain JSON and agrees with the individual functions."""

from __future__ import annotations

import json
import math

from gauntlet.agreement import agreement_report, fleiss_kappa, krippendorff_alpha, percent_agreement
from gauntlet.agreement.report import json_safe
from gauntlet.agreement.synthetic import synthetic_crowd


def test_report_is_strict_json_with_every_figure() -> None:
    crowd = synthetic_crowd(n_items=300, n_raters=10, raters_per_item=3, seed=1)
    gold = {item: crowd.truth[item] for item in range(0, 300, 10)}
    report = agreement_report(crowd.labels, gold, min_consensus_accuracy=0.7, min_count=20)
    text = json.dumps(report, allow_nan=False)  # raises on NaN / numpy types
    assert json.loads(text) == report
    assert report["n_items"] == 300 and report["n_raters"] == 10 and report["n_labels"] == 900
    assert report["percent_agreement"] == percent_agreement(crowd.labels)
    assert report["fleiss_kappa"] == fleiss_kappa(crowd.labels)
    assert report["krippendorff_alpha"] == krippendorff_alpha(crowd.labels)
    assert set(report["consensus"]) == {"majority_vote", "dawid_skene", "n_decided_differently"}
    assert set(report["per_rater"]) == {str(r) for r in range(10)}
    first = report["per_rater"]["0"]
    assert {"accuracy_vs_majority", "count", "accuracy_vs_gold", "ds_confusion"} <= set(first)
    assert report["cohen_kappa"]["pairs"]
    adversaries = {str(r) for r, kind in enumerate(crowd.kinds) if kind == "adversarial"}
    assert adversaries <= set(report["flagged_raters"])


def test_report_of_unequal_raters_per_item_has_null_fleiss() -> None:
    rows = [("e1", "a", "injurious"), ("e1", "b", "injurious"), ("e2", "a", "not_injurious")]
    report = agreement_report(rows, include_dawid_skene=False)
    assert report["fleiss_kappa"] is None
    assert "dawid_skene" not in report["consensus"]


def test_json_safe_turns_nan_into_none_and_keys_into_strings() -> None:
    assert json_safe({1: math.nan, "x": (1.5, math.inf)}) == {"1": None, "x": [1.5, None]}
