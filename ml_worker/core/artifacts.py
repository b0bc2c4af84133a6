"""Model artifacts by URI: a local directory, or an `s3://bucket/prefix` mirrored into a local cache.

`materialize` downloads at most once per cache key and never leaves a half-written directory behind: files
go into a temporary sibling directory that is renamed into place only when complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

S3Client = Any  # botocore's client class is generated at run time; there is nothing static to name
S3ClientFactory = Callable[[], S3Client]


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """Split `s3://bucket/some/prefix/` into ("bucket", "some/prefix") (no trailing slash)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"s3 URI {uri!r} names no bucket")
    return bucket, prefix.strip("/")


def _default_s3_client() -> S3Client:
    import boto3

    # Endpoint, region and credentials come from the environment (AWS_ENDPOINT_URL, AWS_* ...).
    return boto3.client("s3")


def _safe_relative(key: str, prefix: str) -> PurePosixPath:
    relative = PurePosixPath(key[len(prefix) :].lstrip("/")) if prefix else PurePosixPath(key)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"refusing to write object key {key!r} outside the cache directory")
    return relative


def materialize(
    uri: str, cache_dir: Path, key: str, *, s3_client_factory: S3ClientFactory | None = None
) -> Path:
    """A local directory holding the artifact at `uri`.

    - a local path (or `file://` URI) to an existing directory is returned unchanged;
    - `s3://bucket/prefix` is downloaded into `cache_dir/key` on first use and reused afterwards without
      contacting S3 (idempotent; a concurrent second download loses the rename race and is discarded).
    Raises FileNotFoundError for a missing local directory or an empty S3 prefix.
    """
    if not uri.startswith("s3://"):
        local = Path(uri.removeprefix("file://"))
        if not local.is_dir():
            raise FileNotFoundError(f"artifact directory {local} does not exist")
        return local
    if not key or "/" in key or key in (".", "..") or os.sep in key:
        raise ValueError(f"cache key must be a single path component, got {key!r}")
    target = Path(cache_dir) / key
    if target.is_dir():
        return target
    bucket, prefix = parse_s3_uri(uri)
    client = (s3_client_factory or _default_s3_client)()
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=cache_dir))
    try:
        count = 0
        list_prefix = f"{prefix}/" if prefix else ""
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=list_prefix):
            for item in page.get("Contents", []):
                if item["Key"].endswith("/"):
                    continue  # "directory" placeholder objects some tools create
                destination = staging.joinpath(*_safe_relative(item["Key"], prefix).parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, item["Key"], str(destination))
                count += 1
        if count == 0:
            raise FileNotFoundError(f"no objects under {uri}")
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():  # the rename failed for a reason other than losing a race
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def upload_dir(local_dir: str | Path, uri: str, s3_client: S3Client) -> list[str]:
    """Upload every file under `local_dir` to `s3://bucket/prefix/<relative path>`; returns the keys written.

    Existing objects with the same keys are overwritten; nothing is deleted.
    """
    root = Path(local_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"directory to upload {root} does not exist")
    bucket, prefix = parse_s3_uri(uri)
    keys = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        object_key = f"{prefix}/{relative}" if prefix else relative
        s3_client.upload_file(str(path), bucket, object_key)
        keys.append(object_key)
    return keys
