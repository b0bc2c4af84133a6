"""Reading a stored upload back (default storage: local files or S3), decompressing gzip, counting bytes."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.files.storage import default_storage

from labeling.services.imports.report import ImportFileError


class CountingReader(io.RawIOBase):
    """The stored file's bytes as read (compressed when gzip), reported to ``progress``."""

    def __init__(self, source: Any, progress: Callable[[int], None] | None) -> None:
        self.source, self.progress = source, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.source.read(len(buffer))
        n = len(chunk)
        buffer[:n] = chunk
        if self.progress is not None and n:
            self.progress(n)
        return n


@contextmanager
def stored_rows_open(
    name: str, *, gzipped: bool, progress: Callable[[int], None] | None = None
) -> Iterator[IO[bytes]]:
    """The stored upload's rows as a binary stream (decompressed when gzip), read in 64 KiB pieces."""
    try:
        stored = default_storage.open(name, "rb")
    except (OSError, ValueError) as exc:
        raise ImportFileError(f"the stored upload {name} cannot be read: {exc}") from exc
    with stored:
        buffered = io.BufferedReader(CountingReader(stored, progress), buffer_size=64 * 1024)
        if not gzipped:
            yield buffered
            return
        with gzip.GzipFile(fileobj=buffered, mode="rb") as unzipped:
            try:
                yield unzipped  # type: ignore[misc]
            except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
                raise ImportFileError(f"the upload is not valid gzip: {exc}") from exc
