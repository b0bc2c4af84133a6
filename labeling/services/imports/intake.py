"""Receiving an import over HTTP: a multipart file, or the rows as the raw body, gzip or not, any size.

What arrives is copied to a local temporary file in 64 KiB pieces (never whole in memory, and not
subject to ``DATA_UPLOAD_MAX_MEMORY_SIZE``, which bounds in-memory bodies): a multipart ``file``
(``.jsonl``, ``.csv``, either ``.gz``), a raw body (``Content-Type: text/csv`` or
``application/x-ndjson``, with ``Content-Encoding: gzip`` or not; options in the query string), or a
JSON body ``{"rows": [...], ...}`` (gzip or not), which is rewritten as JSONL on the way in
(:mod:`.jsonbody`). Gzip stays compressed on disk and is decompressed as the rows are read.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.http import HttpRequest

from labeling.services.imports.jsonbody import json_body_to_jsonl
from labeling.services.imports.parsing import format_for
from labeling.services.imports.report import ImportFileError

READ_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
RAW_FORMATS = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
}


@dataclass
class ReceivedImport:
    path: Path  # a local temporary file holding the rows as sent (gzip kept compressed)
    name: str  # the file name people know it by (for the default batch and the job's page)
    format: str
    gzipped: bool
    size: int  # bytes on disk
    options: dict[str, Any] = field(default_factory=dict)  # batch, skip_invalid, format
    sent_as: str = "file"  # "file" (multipart), "body" (raw CSV/JSONL body) or "json" (a JSON rows body)


class NothingToImport(ImportFileError):
    """The request carries no file and no rows."""


def _too_large() -> ImportFileError:
    limit = settings.GAUNTLET_IMPORT_MAX_UPLOAD_BYTES
    return ImportFileError(
        f"the upload is larger than {limit / 2**20:,.1f} MiB (GAUNTLET_IMPORT_MAX_UPLOAD_BYTES); "
        "split it or gzip it"
    )


def _copy(source: IO[bytes] | Any, out: IO[bytes]) -> int:
    written = 0
    limit = settings.GAUNTLET_IMPORT_MAX_UPLOAD_BYTES
    while chunk := source.read(READ_BYTES):
        written += len(chunk)
        if written > limit:
            raise _too_large()
        out.write(chunk)
    return written


class _LimitedReader:
    """The request body, refusing to read past GAUNTLET_IMPORT_MAX_UPLOAD_BYTES."""

    def __init__(self, source: IO[bytes] | Any) -> None:
        self.source, self.read_bytes = source, 0

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self.source.read(READ_BYTES if size is None or size < 0 else size)
        self.read_bytes += len(chunk)
        if self.read_bytes > settings.GAUNTLET_IMPORT_MAX_UPLOAD_BYTES:
            raise _too_large()
        return chunk


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def strip_gz(name: str) -> str:
    return name[:-3] if name.lower().endswith(".gz") else name


def _content_type(request: HttpRequest) -> str:
    return (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()


def _gzip_encoded(request: HttpRequest) -> bool:
    encoding = (request.META.get("HTTP_CONTENT_ENCODING") or "").strip().lower()
    if encoding in ("", "identity"):
        return False
    if encoding in ("gzip", "x-gzip"):
        return True
    raise ImportFileError(f"Content-Encoding {encoding!r} is not supported; send gzip or nothing")


@contextmanager
def import_request_receive(request: HttpRequest) -> Iterator[ReceivedImport]:
    """The import the request carries, on local disk while the block runs (removed after).

    Raises :class:`ImportFileError` saying what to send instead when the request carries none.
    """
    handle, name = tempfile.mkstemp(prefix="gauntlet-import-")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            received = _receive(request, out, path)
        received.size = path.stat().st_size
        if not received.gzipped and received.size >= 2 and _is_gzip(path):
            received.gzipped = True  # a gzip file without .gz in its name
        yield received
    finally:
        path.unlink(missing_ok=True)


def _receive(request: HttpRequest, out: IO[bytes], path: Path) -> ReceivedImport:
    content_type = _content_type(request)
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        if _gzip_encoded(request):
            raise ImportFileError(
                "a multipart upload cannot be Content-Encoding: gzip; gzip the file itself (rows.jsonl.gz)"
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise NothingToImport("Send either a file or rows, not both or neither.")
        options = {
            key: request.POST.get(key) for key in ("batch", "format", "skip_invalid") if key in request.POST
        }
        if upload.size and upload.size > settings.GAUNTLET_IMPORT_MAX_UPLOAD_BYTES:
            raise _too_large()
        file_name = upload.name or "upload"
        file_format = format_for(strip_gz(file_name), options.get("format") or None)
        for chunk in upload.chunks(READ_BYTES):
            out.write(chunk)
        return ReceivedImport(path, file_name, file_format, file_name.lower().endswith(".gz"), 0, options)
    gzipped = _gzip_encoded(request)
    body: IO[bytes] | Any = _LimitedReader(request)
    options = {
        key: request.GET.get(key) for key in ("batch", "format", "skip_invalid", "name") if key in request.GET
    }
    if content_type == "application/json":
        source = gzip.GzipFile(fileobj=body, mode="rb") if gzipped else body
        try:
            json_options = json_body_to_jsonl(source, out)
        except (OSError, EOFError) as exc:  # gzip's complaints about a bad stream
            raise ImportFileError(f"the body is not valid gzip: {exc}") from exc
        if json_options is None:
            raise NothingToImport("Send either a file or rows, not both or neither.")
        options.update({k: v for k, v in json_options.items() if k in ("batch", "skip_invalid")})
        return ReceivedImport(path, "rows.jsonl", "jsonl", False, 0, options, sent_as="json")
    raw_format: str | None = RAW_FORMATS.get(content_type) or (options.get("format") or None)
    if raw_format is None:
        raise ImportFileError(
            f"Content-Type {content_type or 'missing'!r} is not an import; send multipart/form-data with a file, "
            "application/json with rows, text/csv or application/x-ndjson"
        )
    file_name = str(options.get("name") or f"upload.{raw_format}")
    file_format = format_for(strip_gz(file_name), raw_format)
    _copy(body, out)
    return ReceivedImport(path, file_name, file_format, gzipped, 0, options, sent_as="body")


@contextmanager
def received_rows_open(path: Path, *, gzipped: bool) -> Iterator[IO[bytes]]:
    """The received rows as a binary stream, decompressed when gzip."""
    with path.open("rb") as raw:
        if not gzipped:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            try:
                yield unzipped  # type: ignore[misc]
            except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
                raise ImportFileError(f"the upload is not valid gzip: {exc}") from exc
