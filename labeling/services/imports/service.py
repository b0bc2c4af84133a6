"""The import service: validate parsed rows and insert them in chunks inside one transaction."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from gauntlet.accounts.models import User
from labeling.models import Example
from labeling.services.examples import batch_clean, example_fields_clean
from labeling.services.imports.parsing import ParsedRow
from labeling.services.imports.report import ImportReport, RowError


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it when a row was bad."""


def _flush(chunk: list[Example], batch: str, report: ImportReport, example_ids: set[int]) -> None:
    if not chunk:
        return
    hashes = {example.content_hash for example in chunk}
    in_batch = Example.objects.filter(batch=batch, content_hash__in=hashes)
    existing = dict(in_batch.values_list("content_hash", "id"))
    example_ids.update(existing.values())
    fresh: list[Example] = []
    for example in chunk:
        if example.content_hash in existing:
            report.duplicates += 1
        else:
            existing[example.content_hash] = 0  # a repeat later in the same chunk is a duplicate too
            fresh.append(example)
    # ignore_conflicts: a concurrent import of the same batch cannot make this one fail.
    # It also means PostgreSQL returns no ids, so the fresh rows' ids are read back.
    Example.objects.bulk_create(fresh, ignore_conflicts=True)
    if fresh:
        example_ids.update(
            in_batch.filter(content_hash__in={e.content_hash for e in fresh}).values_list("id", flat=True)
        )
    report.created += len(fresh)
    chunk.clear()


def examples_import(
    *,
    rows: Iterable[ParsedRow],
    batch: str,
    file_format: str,
    skip_invalid: bool = False,
    author: User | None = None,
) -> ImportReport:
    """Validate and insert parsed rows (see :mod:`labeling.services.imports`); return the report.

    Writes nothing unless every row is valid or ``skip_invalid`` is set.
    Idempotent: importing the same rows into the same batch again creates none.
    Raises :class:`ImportFileError` when the source itself cannot be read.
    """
    started = time.monotonic()
    batch_name = batch_clean(batch)
    report = ImportReport(batch=batch_name, format=file_format)
    chunk_size = settings.GAUNTLET_IMPORT_CHUNK_SIZE
    max_errors = settings.GAUNTLET_IMPORT_MAX_REPORTED_ERRORS
    chunk: list[Example] = []
    example_ids: set[int] = set()
    try:
        with transaction.atomic():
            for number, values, parse_errors in rows:
                report.rows += 1
                errors = parse_errors
                fields: dict[str, Any] = {}
                if values is not None:
                    fields, errors = example_fields_clean(
                        prompt=values.get("prompt"),
                        completion=values.get("completion"),
                        source=values.get("source"),
                        label=values.get("label"),
                        external_id=values.get("id"),
                    )
                if errors:
                    report.invalid += 1
                    for error in errors:
                        if len(report.row_errors) < max_errors:
                            report.row_errors.append(RowError(number, error.field, error.reason))
                        else:
                            report.errors_truncated = True
                    if not skip_invalid:
                        chunk.clear()  # nothing will land; keep validating to report every bad row
                    continue
                report.valid += 1
                if report.invalid and not skip_invalid:
                    continue
                chunk.append(Example(batch=batch_name, author=author, **fields))
                if len(chunk) >= chunk_size:
                    _flush(chunk, batch_name, report, example_ids)
            if report.invalid and not skip_invalid:
                raise _RollBack
            _flush(chunk, batch_name, report, example_ids)
    except _RollBack:
        report.created = 0
        report.duplicates = 0
        example_ids.clear()
    report.example_ids = sorted(example_ids)
    report.landed = report.created > 0
    report.seconds = round(time.monotonic() - started, 3)
    return report
