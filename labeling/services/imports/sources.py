"""Where an import reads from: a local path or ``s3://bucket/key``, streamed, and the default batch name."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from gauntlet.common import storage
from labeling.services.imports.report import ImportFileError


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
