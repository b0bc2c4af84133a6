"""The ml benchmarks run end to end in quick mode (figures meaningless; the machinery must work)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.common.benchmarks import BenchOptions, discover_benchmarks

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_score_and_train_benchmarks_report_bare_and_pipeline_figures(tiny_checkpoint: Path) -> None:
    benchmarks = discover_benchmarks()
    options = BenchOptions(quick=True, params={"model": str(tiny_checkpoint), "database": "current"})
    score = benchmarks["score"].run(options)
    for key in (
        "bare_p50_ms",
        "live_score_p50_ms",
        "live_score_p99_ms",
        "bare_batch_eps",
        "pipeline_batch_eps",
        "saliency_p50_ms",
        "substitutions_p50_ms",
        "device",
    ):
        assert key in score
    assert score["pipeline_batch_eps"] > 0
    train = benchmarks["train"].run(options)
    assert train["bare_train_eps"] > 0 and train["pipeline_train_eps"] > 0
