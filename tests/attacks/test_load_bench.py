"""``bench load`` for 20 seconds: 200 contractors through gunicorn, and the invariants hold (issue 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_load_for_20_seconds_leaves_no_double_lease_no_double_pay_no_overtime_no_5xx() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gauntlet.settings.test"}
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "bench", "load", "--seconds", "20", "--param", "items=2000", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["contractors"] == 200
    invariants = {
        key: figures[key] for key in ("double_leases", "double_pay", "hourly_over_wall", "server_errors")
    }
    assert invariants == dict.fromkeys(invariants, 0), figures
    assert figures["submits"] > 0 and figures["approved_after_run"] == figures["submits"], figures
    for operation in ("claim", "heartbeat", "submit"):
        assert figures[f"{operation}_per_s"] > 0 and figures[f"{operation}_p99_ms"] is not None, operation
