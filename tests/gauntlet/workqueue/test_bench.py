"""The claim benchmark runs end to end (tiny sizes) and finds no double claims."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_bench_claim_quick_prints_the_figures_and_no_double_claims() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gauntlet.settings.test"}
    done = subprocess.run(
        [sys.executable, "manage.py", "bench", "claim", "--quick", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in (
        "raw_sql_claims_per_s",
        "service_claims_per_s",
        "api_claims_per_s",
        "api_p50_ms",
        "api_p99_ms",
        "double_claims",
        "overfilled_items",
    ):
        assert key in figures, key
    assert figures["double_claims"] == 0
    assert figures["overfilled_items"] == 0
    assert figures["items_never_claimed"] == 0  # every item was claimed once in each mode
    assert figures["claims"] == 3 * figures["items_per_queue"]
    assert (
        min(figures["raw_sql_claims_per_s"], figures["service_claims_per_s"], figures["api_claims_per_s"]) > 0
    )
