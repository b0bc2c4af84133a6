"""On the embedded SQLite default an injury-label submit stores what it does on PostgreSQL: the hot
path's combined statements (the label's insert reading the item's labels, the consensus and the
assignment riding in the item's save) are PostgreSQL's only, and the ORM does the same here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services import sqlite_default_manage


@pytest.mark.slow
def test_injury_labels_consensus_and_escalation_on_sqlite(tmp_path: Path) -> None:
    manage = sqlite_default_manage(tmp_path)
    manage("migrate", "--noinput", "-v", "0")
    script = (Path(__file__).parent / "sqlite_injury.py").read_text()
    seen = json.loads(manage("shell", "-c", script).strip().splitlines()[-1])
    assert seen["agreed"] == {
        "labels": ["injurious", "injurious"],
        "item": [2, 2, 0, "complete", 0],
        "consensus": ["injurious", True, True, 2, True],
    }
    # 1 : 1 is a tie: escalated by the step (2) to the cap (4), then 1 : 2 (and one unsure) decides.
    assert seen["tied"] == {
        "labels": ["injurious", "not_injurious", "not_injurious", "unsure"],
        "item": [4, 4, 1, "complete", 0],
        "consensus": ["not_injurious", True, True, 4, True],
    }
