"""Hot-path SQL: statements run often enough that the ORM's per-call compile shows.

Used by the claim path (every "give me my next task") and by token
authentication (every API request). Everywhere else, use the ORM.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import connection
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
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            # rownumber is None when the statement returned no rows to fetch (cheaper
            # than building the column descriptions to find out).
            return cursor.fetchall() if cursor.rownumber is not None else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


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


def instance_from_row(model: type[M], row: Sequence[Any]) -> M:
    """A model instance from a row selected with :func:`columns` (as the ORM would build it)."""
    fields = model._meta.concrete_fields
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, row, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], values)
