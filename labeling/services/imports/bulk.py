"""Writing one chunk of checked rows: COPY on PostgreSQL, ``bulk_create`` on SQLite; duplicates skipped.

Both paths insert the rows in file order and skip a row whose (batch, content hash) is already in
the batch, or earlier in the chunk (the unique constraint ``example_unique_per_batch`` decides, so
a concurrent import of the same batch cannot make this one fail). They return what was created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from labeling.models import Example

_COLUMNS = ("ord", "prompt", "completion", "source", "external_id", "content_hash", "imported_label")
_TEMP_TABLE = "gauntlet_import_rows"


@dataclass(frozen=True)
class ChunkWritten:
    created: int
    first_id: int | None  # the lowest and highest id created (None when nothing was)
    last_id: int | None


def rows_insert(*, rows: list[dict[str, Any]], batch: str, author_id: int | None) -> ChunkWritten:
    """Insert the checked ``rows`` (fields from ``example_fields_clean``) into ``batch``.

    Call inside a transaction: on PostgreSQL the staging table empties at commit.
    """
    if not rows:
        return ChunkWritten(0, None, None)
    if connection.vendor == "postgresql":
        return _copy_insert(rows, batch, author_id)
    return _bulk_create(rows, batch, author_id)


def _copy_insert(rows: list[dict[str, Any]], batch: str, author_id: int | None) -> ChunkWritten:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_TEMP_TABLE} ("  # noqa: S608 - a constant name
            "ord integer, prompt text, completion text, source varchar(16), external_id varchar(200), "
            "content_hash varchar(64), imported_label varchar(16)) ON COMMIT DELETE ROWS"
        )
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper: COPY streams the rows
        with raw.copy(f"COPY {_TEMP_TABLE} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for number, row in enumerate(rows):
                copy.write_row(
                    (
                        number,
                        row["prompt"],
                        row["completion"],
                        row["source"],
                        row["external_id"],
                        row["content_hash"],
                        row["imported_label"],
                    )
                )
        cursor.execute(
            f"""
            WITH created AS (
                INSERT INTO {Example._meta.db_table}
                    (prompt, completion, source, author_id, batch, external_id, content_hash,
                     imported_label, created_at)
                SELECT prompt, completion, source, %s, %s, external_id, content_hash, imported_label, now()
                FROM {_TEMP_TABLE} ORDER BY ord
                ON CONFLICT (batch, content_hash) DO NOTHING
                RETURNING id
            )
            SELECT count(*), min(id), max(id) FROM created
            """,  # noqa: S608 - table names are constants
            [author_id, batch],
        )
        count, first, last = cursor.fetchone()
        cursor.execute(f"TRUNCATE {_TEMP_TABLE}")  # noqa: S608 - a second chunk in this transaction starts empty
    return ChunkWritten(int(count), first, last)


def _bulk_create(rows: list[dict[str, Any]], batch: str, author_id: int | None) -> ChunkWritten:
    hashes = {row["content_hash"] for row in rows}
    in_batch = Example.objects.filter(batch=batch, content_hash__in=hashes)
    existing = set(in_batch.values_list("content_hash", flat=True))
    fresh: list[Example] = []
    for row in rows:
        if row["content_hash"] not in existing:
            existing.add(row["content_hash"])  # a repeat later in the chunk is a duplicate too
            fresh.append(Example(batch=batch, author_id=author_id, **row))
    Example.objects.bulk_create(fresh, ignore_conflicts=True)
    if not fresh:
        return ChunkWritten(0, None, None)
    ids = list(in_batch.filter(content_hash__in={e.content_hash for e in fresh}).values_list("id", flat=True))
    return ChunkWritten(len(ids), min(ids), max(ids))
