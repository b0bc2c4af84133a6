"""On the embedded SQLite default money is not stored as a float (issue 12, item 9): every money
column holds integer ten-thousandths (``gauntlet.common.money.MoneyField``), so amounts, the claim's
pay snapshot and sums come back exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services import sqlite_default_manage


@pytest.mark.slow
def test_money_is_stored_and_summed_exactly_on_sqlite(tmp_path: Path) -> None:
    manage = sqlite_default_manage(tmp_path)
    manage("migrate", "--noinput", "-v", "0")
    script = (Path(__file__).parent / "sqlite_money.py").read_text()
    seen = json.loads(manage("shell", "-c", script).strip().splitlines()[-1])
    # Stored as integers (a decimal column on SQLite would hold floats) …
    assert seen["ledger_types"] == ["integer"]
    assert seen["queue_types"] == ["integer", "integer"]
    assert seen["profile_types"] == ["integer"]
    # … the hourly queue's snapshot of the contractor's own 36.00/h: 360000 ten-thousandths …
    assert seen["snapshot"] == ["integer", 360000, "36.0000"]
    # … and every amount and sum is the exact decimal.
    assert seen["task_pay"] == ["0.0125"]
    assert seen["hourly_pay"] == ["1.0000 GBP"]
    assert seen["by_currency"] == {"GBP": "112345679.9012", "USD": "0.0375"}
    assert seen["earnings"] == seen["by_currency"]
    assert seen["queue_pay"] == "Decimal 0.0125"
