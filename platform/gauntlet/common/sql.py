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
        db.health_check_done = True
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


def update_fields(instance: Model, names: Sequence[str]) -> None:
    """``instance.save(update_fields=names)`` as one prepared statement, for rows the caller holds
    locked (no signals: for the hot path's own models, which have none); elsewhere than PostgreSQL
    it is the ORM's save."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        instance.save(update_fields=names)
        return
    meta = instance._meta
    fields = [meta.get_field(name) for name in names]
    sets = ", ".join(f'"{field.column}" = %s' for field in fields)  # type: ignore[union-attr]
    sql = f'UPDATE {meta.db_table} SET {sets} WHERE "{meta.pk.column}" = %s'  # noqa: S608
    fetch(sql, [*(_prepared(field, instance, add=False, db=db) for field in fields), instance.pk])


def upsert(instance: Model, *, unique: Sequence[str], update: Sequence[str]) -> None:
    """Insert ``instance``, or update ``update`` on the row it conflicts with on ``unique``
    (``INSERT … ON CONFLICT DO UPDATE``), as one prepared statement; sets the primary key of the
    row written. Elsewhere than PostgreSQL it is the ORM's ``bulk_create(update_conflicts=True)``."""
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
        f'ON CONFLICT ({conflict}) DO UPDATE SET {sets} RETURNING "{meta.pk.column}"'
    )
    ((pk,),) = fetch(sql, [_prepared(field, instance, add=True, db=db) for field in fields])
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = db.alias
