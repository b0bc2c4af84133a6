"""Hot-path SQL helpers."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from gauntlet.accounts.models import User
from gauntlet.common.sql import fetch, literal


def test_literal_refuses_anything_but_a_plain_choice_value() -> None:
    assert literal("open", "leased") == "'open', 'leased'"
    with pytest.raises(ValueError, match="not a plain choice value"):
        literal("open'; DROP TABLE x; --")


def _statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    return seen


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the prepared-statement path")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fetched_first", [False, True])
def test_a_statement_that_answered_is_the_requests_health_check(
    monkeypatch: pytest.MonkeyPatch, fetched_first: bool
) -> None:
    """Django checks a persistent connection (SELECT 1) before a request's first ORM use; a hot
    statement that just ran on it (token auth, every API request's first) is that check, so a
    submit's transaction does not pay a round trip to ask again."""
    connection.ensure_connection()
    connection.close_if_unusable_or_obsolete()  # what a request's start does: the check is due
    assert connection.health_check_enabled and not connection.health_check_done
    seen = _statements(monkeypatch)
    if fetched_first:
        assert fetch("SELECT 2", []) == [(2,)]
    with transaction.atomic():
        User.objects.filter(pk=0).exists()
    assert ("SELECT 1" in seen) is not fetched_first


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the prepared-statement path")
@pytest.mark.django_db(transaction=True)
def test_a_statement_that_failed_leaves_the_health_check_due() -> None:
    connection.ensure_connection()
    connection.close_if_unusable_or_obsolete()
    with pytest.raises(DatabaseError):
        fetch("SELECT no_such_column FROM no_such_table", [])
    assert not connection.health_check_done
