"""Hot-path SQL: statements run often enough that the ORM's per-call compile shows.

Used by the claim and submit paths (every "give me my next task", every answer) and by
token authentication (every API request). Everywhere else, use the ORM.

``django.db.connection`` is a proxy that looks the thread's connection up on every attribute;
these functions look it up once per call (it was 6% of a claim + submit cycle's CPU).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement in the current transaction (or autocommit); its rows.

    On PostgreSQL it runs as a psycopg prepared statement: parsed and planned once
    per connection (Django's client-side binding would re-plan it on every call).
    The cursor shares Django's connection and its type loaders, so values convert
    as they do for the ORM, and errors surface as Django's database exceptions and
    mark the connection as Django's own cursors would (a connection that broke is
    closed at the end of the request, not reused). Elsewhere it goes through
    Django's cursor.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the proxy's lookup, once
    if db.vendor == "postgresql":
        db.ensure_connection()
        with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            # rownumber is None when the statement returned no rows to fetch (cheaper
            # than building the column descriptions to find out).
            rows = cursor.fetchall() if cursor.rownumber is not None else []
        # The connection just answered: that is the health check (CONN_HEALTH_CHECKS) Django runs
        # before a request's first ORM query or transaction, a SELECT 1 of its own, so it need not
        # run it again in this request. (Token auth is every API request's first statement and
        # always came here, unchecked; a submit then paid the check's round trip at its BEGIN.)
        db.health_check_done = True  # type: ignore[attr-defined] # Django sets it too; not in the stubs
        return rows
    with db.cursor() as django_cursor:
        django_cursor.execute(sql, params)
        return django_cursor.fetchall() if django_cursor.description else []


def literal(*choices: str) -> str:
    """``'a', 'b'``: code-defined choice values (``TextChoices``) written into a statement.

    A prepared statement is planned once for all parameter values, so a partial
    index whose predicate names a constant (``WHERE state = 'open'``) is only usable
    when the statement spells that constant out rather than binding it. Only plain
    identifiers are accepted, so nothing here can need quoting.
    """
    for choice in choices:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", choice):
            raise ValueError(f"not a plain choice value: {choice!r}")
    return ", ".join(f"'{choice}'" for choice in choices)


def columns(model: type[Model], alias: str) -> str:
    """``alias."col", …`` for every concrete field of ``model``, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


@cache
def _loaders(model: type[Model]) -> tuple[list[Callable[..., Any] | None], list[str]]:
    """Each concrete field's ``from_db_value`` (or None) and attname, in field order."""
    fields = model._meta.concrete_fields
    return [getattr(field, "from_db_value", None) for field in fields], [field.attname for field in fields]


def instance_from_row(model: type[M], row: Sequence[Any]) -> M:
    """A model instance from a row selected with :func:`columns` (as the ORM would build it)."""
    db = connections[DEFAULT_DB_ALIAS]
    loaders, names = _loaders(model)
    values = [
        value if load is None else load(value, None, db) for load, value in zip(loaders, row, strict=True)
    ]
    return model.from_db(db.alias, names, values)


def _prepared(field: Any, instance: Model, *, add: bool, db: Any) -> Any:
    return field.get_db_prep_save(field.pre_save(instance, add), db)


def insert(instance: Model) -> None:
    """``instance.save(force_insert=True)`` as one prepared statement (no signals: for the hot
    path's own models, which have none). Sets the primary key from ``RETURNING``; elsewhere than
    PostgreSQL it is the ORM's save."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        instance.save(force_insert=True)
        return
    meta = instance._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key or instance.pk is not None]
    names = ", ".join(f'"{field.column}"' for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f'INSERT INTO {meta.db_table} ({names}) VALUES ({marks}) RETURNING "{meta.pk.column}"'  # noqa: S608
    ((pk,),) = fetch(sql, [_prepared(field, instance, add=True, db=db) for field in fields])
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = db.alias


def insert_then_select(instance: Model, select: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """:func:`insert` and one ``SELECT`` in one prepared statement, one round trip (PostgreSQL only):
    ``WITH inserted AS (INSERT …) SELECT …``; the SELECT's rows. The SELECT sees the database as the
    statement found it, before the insert (a statement's parts share one snapshot), so it never sees
    the new row. The primary key is not read back (``instance.pk`` stays unset)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        raise NotImplementedError(
            "insert_then_select is one PostgreSQL statement; elsewhere insert, then select"
        )
    meta = instance._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key or instance.pk is not None]
    names = ", ".join(f'"{field.column}"' for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"WITH inserted AS (INSERT INTO {meta.db_table} ({names}) VALUES ({marks})) {select}"  # noqa: S608
    rows = fetch(sql, [*(_prepared(field, instance, add=True, db=db) for field in fields), *params])
    instance._state.adding = False
    instance._state.db = db.alias
    return rows


def update_fields(instance: Model, names: Sequence[str], *, ride_with: Model | None = None) -> None:
    """``instance.save(update_fields=names)`` as one prepared statement, for rows the caller holds
    locked (no signals: for the hot path's own models, which have none); elsewhere than PostgreSQL
    it is the ORM's save. With ``ride_with`` an instance the caller promised to save
    (:func:`writes_ride_with`), the update goes in that save's statement instead."""
    db = connections[DEFAULT_DB_ALIAS]
    waiting: list[tuple[str, list[Any]]] | None = (
        None if ride_with is None else ride_with.__dict__.get(_RIDERS)
    )
    riders: list[tuple[str, list[Any]]] = instance.__dict__.pop(_RIDERS, None) or []
    if db.vendor != "postgresql":
        instance.save(update_fields=names)
        return
    meta = instance._meta
    fields = [meta.get_field(name) for name in names]
    sets = ", ".join(f'"{field.column}" = %s' for field in fields)  # type: ignore[union-attr]
    sql = f'UPDATE {meta.db_table} SET {sets} WHERE "{meta.pk.column}" = %s'  # noqa: S608
    params = [*(_prepared(field, instance, add=False, db=db) for field in fields), instance.pk]
    if waiting is not None:
        waiting.append((sql, params))
        return
    if riders:  # the writes that waited for this one: WITH w0 AS (…), w1 AS (…) UPDATE …
        sql = "WITH " + ", ".join(f"w{n} AS ({text})" for n, (text, _) in enumerate(riders)) + " " + sql
        params = [value for _, values in riders for value in values] + params
    fetch(sql, params)


# Where writes waiting to ride with an instance's update_fields wait (see writes_ride_with).
_RIDERS = "_gauntlet_riders"


def writes_ride_with(instance: Model) -> None:
    """The caller's promise that ``update_fields(instance, …)`` runs later in this transaction, on
    every path that commits: until it does, each :func:`upsert` or :func:`update_fields` given
    ``ride_with=instance`` is sent in that update's statement (``WITH … UPDATE …``, one round trip
    for all, in the order they were asked for) instead of one of its own. A write never waits
    alone: if the transaction fails first, nothing of it was written either way. Promising again
    keeps what already waits. PostgreSQL only; elsewhere every write goes at once."""
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        instance.__dict__.setdefault(_RIDERS, [])


def upsert(
    instance: Model, *, unique: Sequence[str], update: Sequence[str], ride_with: Model | None = None
) -> None:
    """Insert ``instance``, or update ``update`` on the row it conflicts with on ``unique``
    (``INSERT … ON CONFLICT DO UPDATE``), as one prepared statement; sets the primary key of the
    row written. Elsewhere than PostgreSQL it is the ORM's ``bulk_create(update_conflicts=True)``.

    With ``ride_with`` an instance the caller promised to save (:func:`writes_ride_with`), the
    write goes in that save's statement instead, and the primary key is not read back."""
    meta = instance._meta
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        type(instance)._default_manager.bulk_create(
            [instance], update_conflicts=True, unique_fields=list(unique), update_fields=list(update)
        )
        return
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    names = ", ".join(f'"{field.column}"' for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    conflict = ", ".join(f'"{meta.get_field(name).column}"' for name in unique)  # type: ignore[union-attr]
    sets = ", ".join(
        f'"{column}" = EXCLUDED."{column}"'
        for column in (meta.get_field(name).column for name in update)  # type: ignore[union-attr]
    )
    sql = (
        f"INSERT INTO {meta.db_table} ({names}) VALUES ({marks}) "  # noqa: S608 - the model's own names
        f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
    )
    params = [_prepared(field, instance, add=True, db=db) for field in fields]
    riders: list[tuple[str, list[Any]]] | None = (
        None if ride_with is None else ride_with.__dict__.get(_RIDERS)
    )
    if riders is not None:
        riders.append((sql, params))
        return
    ((pk,),) = fetch(f'{sql} RETURNING "{meta.pk.column}"', params)
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = db.alias
