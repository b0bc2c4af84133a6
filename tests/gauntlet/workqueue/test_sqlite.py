"""The embedded default: the same engine on SQLite is correct, if serial."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_parallel_drain_on_sqlite_fills_every_item_exactly(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG")
    }
    env.update(GAUNTLET_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gauntlet.settings.base")

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--noinput", "-v", "0")
    script = (Path(__file__).parent / "sqlite_drain.py").read_text()
    counts = json.loads(manage("shell", "-c", script).strip().splitlines()[-1])
    assert counts == {
        "errors": [],
        "submitted": 80,
        "pairs_twice": 0,
        "overfilled": 0,
        "incomplete": 0,
        "leases_left": 0,
    }
