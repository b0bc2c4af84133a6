"""Reading rows out of JSONL, CSV or a JSON list, one line at a time, with row numbers a person finds.

Each parser yields ``(row number, values or None, parse errors)``; a file that cannot be read at all
(unknown format, bad CSV header) raises :class:`ImportFileError`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from labeling.services.examples import FieldError
from labeling.services.imports.report import ImportFileError

FORMATS = ("jsonl", "csv")
REQUIRED_COLUMNS = ("prompt", "completion")
ProgressCallback = Callable[[int], None]  # called with the number of bytes read since the last call
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


def _shown(name: str) -> str:
    """A header name as a message may quote it: bytes that were not UTF-8 (lone surrogates after
    decoding) as ``\\udcXX`` escapes, which an answer can carry (a raw one cannot be encoded)."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


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
            f"missing {', '.join(missing)} (found {', '.join(map(_shown, columns)) or 'nothing'})"
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
