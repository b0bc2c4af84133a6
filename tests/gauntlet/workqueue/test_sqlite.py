"""The embedded default: the same engine on SQLite is correct, if serial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services import sqlite_default_manage


@pytest.mark.slow
def test_parallel_drain_on_sqlite_fills_every_item_exactly(tmp_path: Path) -> None:
    manage = sqlite_default_manage(tmp_path)
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
