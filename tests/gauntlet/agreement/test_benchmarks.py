"""The consensus benchmark runs at quick size and reports every figure."""

from __future__ import annotations

import json

from gauntlet.agreement.benchmarks import BENCHMARKS
from gauntlet.common.benchmarks import BenchOptions

KEYS = {
    "n_labels",
    "n_items",
    "n_raters",
    "seconds_majority",
    "seconds_dawid_skene",
    "seconds_alpha",
    "seconds_bare_majority",
    "seconds_bare_dawid_skene",
    "seconds_bare_alpha",
    "mv_recovered_accuracy",
    "ds_recovered_accuracy",
}


def test_consensus_benchmark_quick_reports_all_figures() -> None:
    (bench,) = BENCHMARKS
    assert bench.name == "consensus"
    figures = bench.run(BenchOptions(quick=True))
    assert KEYS <= set(figures)
    json.dumps(figures, allow_nan=False)
    assert figures["n_labels"] == figures["n_items"] * 5
    assert figures["krippendorff_alpha"] == figures["bare_krippendorff_alpha"]
    assert figures["ds_recovered_accuracy"] >= figures["mv_recovered_accuracy"]


def test_benchmark_is_deterministic_in_its_figures() -> None:
    (bench,) = BENCHMARKS
    options = BenchOptions(quick=True, params={"items": "500"})
    first, second = bench.run(options), bench.run(options)
    for key in ("mv_recovered_accuracy", "ds_recovered_accuracy", "krippendorff_alpha", "n_labels"):
        assert first[key] == second[key]
