"""Hot-path SQL helpers."""

from __future__ import annotations

import pytest

from gauntlet.common.sql import literal


def test_literal_refuses_anything_but_a_plain_choice_value() -> None:
    assert literal("open", "leased") == "'open', 'leased'"
    with pytest.raises(ValueError, match="not a plain choice value"):
        literal("open'; DROP TABLE x; --")
