"""Hot-path SQL helpers."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from gauntlet.accounts.models import ContractorProfile, User
from gauntlet.common.sql import fetch, literal, update_fields, upsert, writes_ride_with
from gauntlet.workqueue.models import WorkItem
from tests.factories import WorkItemFactory, new_manager


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the prepared-statement path")
@pytest.mark.django_db
@pytest.mark.parametrize("promised", [False, True])
def test_an_upsert_riding_with_a_save_is_written_by_that_save(
    monkeypatch: pytest.MonkeyPatch, promised: bool
) -> None:
    """With the caller's promise (writes_ride_with) an upsert waits for the instance's save and goes
    in its statement; without one, ride_with changes nothing: it is written at once."""
    person, item = new_manager(), WorkItemFactory()  # a manager: no contractor profile yet
    if promised:
        writes_ride_with(item)
    seen = _statements(monkeypatch)
    upsert(
        ContractorProfile(user=person, note="rode along"), unique=("user",), update=("note",), ride_with=item
    )
    assert ContractorProfile.objects.filter(user=person).exists() is not promised
    item.escalations = 7
    update_fields(item, ["escalations"])
    assert ContractorProfile.objects.get(user=person).note == "rode along"
    assert WorkItem.objects.get(pk=item.pk).escalations == 7
    writes = [sql for sql in seen if re.match(r"\s*(WITH|INSERT|UPDATE)", sql)]
    assert len(writes) == (1 if promised else 2)
