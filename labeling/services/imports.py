"""Importing examples from JSONL or CSV, streamed, all-or-nothing by default.

Rows carry ``prompt``, ``completion`` and optionally ``id``, ``source`` and
``label``. The file is read one line at a time (never whole into memory),
every row is validated exactly like :func:`labeling.services.examples.example_create`
does, and valid rows are inserted in chunks inside ONE transaction:

- by default a single bad row rolls everything back and the report lists every
  bad row (row number, field, reason);
- with ``skip_invalid`` the good rows land and the bad ones are reported.

Re-importing the same rows into the same batch creates nothing: rows whose
(batch, content hash) already exists are counted as duplicates, and the
database's unique constraint backs that up against concurrent imports.

Row numbers are what a person finds in the file: the line number for JSONL,
the spreadsheet row for CSV (the header is row 1), the list position (from 1)
for rows sent as JSON.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction

from gauntlet.accounts.models import User
from gauntlet.common import storage
from labeling.models import Example
from labeling.services.examples import FieldError, batch_clean, example_fields_clean

FORMATS = ("jsonl", "csv")
REQUIRED_COLUMNS = ("prompt", "completion")
ProgressCallback = Callable[[int], None]  # called with the number of bytes read since the last call


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str


@dataclass
class ImportReport:
    batch: str
    format: str
    rows: int = 0  # data rows seen (blank JSONL lines are not rows)
    valid: int = 0
    created: int = 0
    duplicates: int = 0  # valid rows already in the batch (or repeated in the file)
    invalid: int = 0
    landed: bool = False  # whether anything was written (False when a bad row rolled it all back)
    row_errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False  # more bad rows than GAUNTLET_IMPORT_MAX_REPORTED_ERRORS
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImportFileError(ValueError):
    """The source cannot be read at all (unknown format, missing file or bucket, bad header)."""


ParsedRow = tuple[int, dict[str, Any] | None, list[FieldError]]


def format_for(name: str, explicit: str | None = None) -> str:
    """The file format: ``explicit`` if given, else from the name's extension."""
    if explicit:
        if explicit not in FORMATS:
            raise ImportFileError(f"format must be one of {', '.join(FORMATS)}, not {explicit!r}")
        return explicit
    suffix = Path(urlparse(name).path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv",):
        return "csv"
    raise ImportFileError(f"cannot tell the format of {name!r} from its extension; say jsonl or csv")


def _byte_lines(stream: IO[bytes] | Any, progress: ProgressCallback | None) -> Iterator[bytes]:
    """The stream's lines (with their endings), reporting bytes read."""
    lines: Iterable[bytes]
    if hasattr(stream, "iter_lines"):  # botocore StreamingBody: iterating it yields chunks, not lines
        lines = stream.iter_lines(chunk_size=64 * 1024, keepends=True)
    else:
        lines = stream
    for line in lines:
        if progress is not None:
            progress(len(line))
        yield line


def _decode(line: bytes) -> str:
    # Undecodable bytes become lone surrogates, which text validation reports with the row.
    return line.decode("utf-8", errors="surrogateescape")


def parse_jsonl(stream: IO[bytes] | Any, progress: ProgressCallback | None = None) -> Iterator[ParsedRow]:
    for number, raw in enumerate(_byte_lines(stream, progress), start=1):
        text = _decode(raw).lstrip("\ufeff") if number == 1 else _decode(raw)
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, None, [FieldError("row", f"is not valid JSON: {exc.msg} at column {exc.colno}")]
            continue
        if not isinstance(value, dict):
            yield number, None, [FieldError("row", f"must be a JSON object, not {type(value).__name__}")]
            continue
        yield number, value, []


def parse_csv(stream: IO[bytes] | Any, progress: ProgressCallback | None = None) -> Iterator[ParsedRow]:
    text_lines = (_decode(line) for line in _byte_lines(stream, progress))
    reader = csv.reader(text_lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportFileError(f"the CSV header cannot be read: {exc}") from exc
    columns = [name.lstrip("\ufeff").strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            f"the CSV header must name the columns {', '.join(REQUIRED_COLUMNS)}; "
            f"missing {', '.join(missing)} (found {', '.join(columns) or 'nothing'})"
        )
    row_number = 1
    while True:
        row_number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield row_number, None, [FieldError("row", f"is not valid CSV: {exc}")]
            continue
        if not values:  # an empty line
            row_number -= 1
            continue
        if len(values) != len(columns):
            yield (
                row_number,
                None,
                [FieldError("row", f"has {len(values)} fields but the header has {len(columns)}")],
            )
            continue
        yield row_number, dict(zip(columns, values, strict=True)), []


def parse_rows(rows: Iterable[Any]) -> Iterator[ParsedRow]:
    """Rows sent as JSON objects (the API's JSON body)."""
    for number, value in enumerate(rows, start=1):
        if not isinstance(value, dict):
            yield number, None, [FieldError("row", f"must be a JSON object, not {type(value).__name__}")]
        else:
            yield number, value, []


def parse_stream(
    stream: IO[bytes] | Any, *, file_format: str, progress: ProgressCallback | None = None
) -> Iterator[ParsedRow]:
    if file_format == "jsonl":
        return parse_jsonl(stream, progress)
    if file_format == "csv":
        return parse_csv(stream, progress)
    raise ImportFileError(f"format must be one of {', '.join(FORMATS)}, not {file_format!r}")


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it when a row was bad."""


def _flush(chunk: list[Example], batch: str, report: ImportReport) -> None:
    if not chunk:
        return
    hashes = {example.content_hash for example in chunk}
    existing = set(
        Example.objects.filter(batch=batch, content_hash__in=hashes).values_list("content_hash", flat=True)
    )
    fresh: list[Example] = []
    for example in chunk:
        if example.content_hash in existing:
            report.duplicates += 1
        else:
            existing.add(example.content_hash)  # a repeat later in the same chunk is a duplicate too
            fresh.append(example)
    # ignore_conflicts: a concurrent import of the same batch cannot make this one fail.
    Example.objects.bulk_create(fresh, ignore_conflicts=True)
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
    """Validate and insert parsed rows (see the module docstring); return the report.

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
                    _flush(chunk, batch_name, report)
            if report.invalid and not skip_invalid:
                raise _RollBack
            _flush(chunk, batch_name, report)
    except _RollBack:
        report.created = 0
        report.duplicates = 0
    report.landed = report.created > 0
    report.seconds = round(time.monotonic() - started, 3)
    return report


def split_s3_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    bucket, key = parsed.netloc, parsed.path.lstrip("/")
    if not bucket or not key:
        raise ImportFileError(f"{uri!r} is not an s3://bucket/key URI")
    return bucket, key


@contextmanager
def import_source_open(path_or_uri: str) -> Iterator[tuple[IO[bytes] | Any, int | None]]:
    """Open a local path or ``s3://bucket/key`` for streaming; yields (binary stream, size in bytes)."""
    if path_or_uri.startswith("s3://"):
        bucket, key = split_s3_uri(path_or_uri)
        client = storage.s3_client()
        try:
            response = client.get_object(Bucket=bucket, Key=key)
        except Exception as exc:  # botocore raises one class per error code
            raise ImportFileError(f"cannot read {path_or_uri}: {exc}") from exc
        body = response["Body"]
        try:
            yield body, response.get("ContentLength")
        finally:
            body.close()
        return
    path = Path(path_or_uri)
    if not path.is_file():
        raise ImportFileError(f"no such file: {path_or_uri}")
    with path.open("rb") as fh:
        yield io.BufferedReader(fh) if not isinstance(fh, io.BufferedReader) else fh, path.stat().st_size


def default_batch_for(name: str) -> str:
    """The batch a file lands in when none is named: its file name without extension."""
    stem = Path(urlparse(name).path).stem
    return stem[:200] or "default"
