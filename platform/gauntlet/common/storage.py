"""One interface for datasets, checkpoints and exports.

Backed by the ``artifacts`` entry of ``STORAGES``: django-storages S3 in
production (``GAUNTLET_STORAGE=s3``), the local filesystem on the embedded
default. Callers name files by key (``datasets/…``, ``checkpoints/…``,
``exports/…``) and get back a URI they can store in the database:
``s3://bucket/key`` or ``file:///abs/path``. ``read``/``open`` accept either a
key or such a URI, so rows written under one backend stay readable.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

PREFIXES = ("datasets", "checkpoints", "exports", "imports")


def artifact_storage() -> Storage:
    return storages["artifacts"]


def is_s3() -> bool:
    return "S3" in type(artifact_storage()).__name__


def s3_client() -> Any:
    """A boto3 S3 client for ``s3://`` URIs: the artifact storage's own (its endpoint and
    credentials) when storage is S3, else one from the environment."""
    if is_s3():
        return artifact_storage().connection.meta.client  # type: ignore[attr-defined]
    import boto3

    return boto3.client("s3")


def uri_for(key: str) -> str:
    """The stable URI of a stored key."""
    storage = artifact_storage()
    if is_s3():
        return f"s3://{storage.bucket_name}/{key}"  # type: ignore[attr-defined]
    return Path(storage.path(key)).resolve().as_uri()


def key_from_uri(uri_or_key: str) -> str:
    parsed = urlparse(uri_or_key)
    if parsed.scheme == "s3":
        return parsed.path.lstrip("/")
    if parsed.scheme == "file":
        root = Path(artifact_storage().path("")).resolve()
        return str(Path(parsed.path).resolve().relative_to(root))
    return uri_or_key


def save_bytes(key: str, content: bytes) -> str:
    """Store ``content`` under ``key`` (overwriting) and return its URI."""
    storage = artifact_storage()
    if storage.exists(key):
        storage.delete(key)
    stored = storage.save(key, ContentFile(content))
    return uri_for(stored)


def save_file(key: str, path: Path) -> str:
    storage = artifact_storage()
    if storage.exists(key):
        storage.delete(key)
    with path.open("rb") as fh:
        stored = storage.save(key, File(fh))
    return uri_for(stored)


def save_dir(prefix: str, directory: Path) -> str:
    """Upload every file below ``directory`` under ``prefix``; return the prefix URI."""
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        save_file(f"{prefix}/{path.relative_to(directory).as_posix()}", path)
    return uri_for(prefix) if is_s3() else Path(artifact_storage().path(prefix)).resolve().as_uri()


def read_bytes(uri_or_key: str) -> bytes:
    with open_file(uri_or_key) as fh:
        return fh.read()


@contextmanager
def open_file(uri_or_key: str, mode: str = "rb") -> Iterator[IO[bytes]]:
    with artifact_storage().open(key_from_uri(uri_or_key), mode) as fh:
        yield fh  # type: ignore[misc]


def exists(uri_or_key: str) -> bool:
    return artifact_storage().exists(key_from_uri(uri_or_key))


def delete(uri_or_key: str) -> None:
    artifact_storage().delete(key_from_uri(uri_or_key))


def list_keys(prefix: str) -> list[str]:
    """Every key below ``prefix``, recursively."""
    storage = artifact_storage()
    out: list[str] = []

    def walk(folder: str) -> None:
        dirs, files = storage.listdir(folder)
        out.extend(f"{folder.rstrip('/')}/{name}" if folder else name for name in files)
        for name in dirs:
            walk(f"{folder.rstrip('/')}/{name}" if folder else name)

    walk(prefix)
    return sorted(out)


def download_dir(prefix_uri: str, destination: Path) -> Path:
    """Copy everything under a stored prefix to a local folder (atomically) and return it."""
    prefix = key_from_uri(prefix_uri).rstrip("/")
    tmp = Path(tempfile.mkdtemp(dir=destination.parent, prefix=".partial-"))
    try:
        for key in list_keys(prefix):
            target = tmp / key[len(prefix) + 1 :]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_bytes(key))
        if destination.exists():
            shutil.rmtree(destination)
        tmp.rename(destination)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return destination


def check_reachable() -> None:
    """Raise if the storage backend cannot be reached (used by ``/readyz``)."""
    storage = artifact_storage()
    if is_s3():
        storage.bucket.meta.client.head_bucket(Bucket=storage.bucket_name)  # type: ignore[attr-defined]
    else:
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        storage.listdir("")
