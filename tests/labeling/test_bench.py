"""The cycle and background-refit benchmarks run end to end (tiny sizes, figures not judged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def _bench(name: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gauntlet.settings.test"}
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "bench", name, "--quick", "--json", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_bench_cycle_quick_prints_the_figures_with_no_double_claims() -> None:
    figures = _bench("cycle")
    for suffix in ("", "_overlap3"):
        for key in ("cycles_per_s", "claim_p50_ms", "claim_p99_ms", "submit_p50_ms", "submit_p99_ms"):
            assert figures[key + suffix] is not None, key + suffix
        assert figures["cycles" + suffix] > 0
    assert figures["double_claims"] == 0
    assert figures["overfilled_items"] == 0
    assert figures["missing_consensus"] == 0  # every completed item got its consensus in the submit


@pytest.mark.slow
def test_bench_consensus_refit_quick_refits_the_whole_queue_while_annotators_submit() -> None:
    figures = _bench("consensus_refit")
    assert figures["labels"] == figures["items"] * 5
    assert figures["consensus_rows_written"] == figures["items"]
    assert figures["ds_accuracy"] > 0.9  # Dawid-Skene sees through the spammers and the flippers
    assert figures["submit_p99_ms_bare"] is not None and figures["cycles_during_run"] > 0


@pytest.mark.slow
def test_bench_import_lands_every_row_and_prints_time_and_memory() -> None:
    figures = _bench("import", "--rows", "3000")
    for key in ("seconds", "peak_rss_mb", "idle_rss_mb"):
        assert isinstance(figures[key], float | int) and figures[key] > 0, key
    assert figures["peak_rss_mb"] >= figures["idle_rss_mb"]
    assert figures["state"] == "succeeded"
    assert figures["rows"] == figures["rows_landed"] == figures["created"] == 3000
    assert figures["examples_in_batch"] == 3000 and figures["invalid"] == 0
