from __future__ import annotations

from pathlib import Path

import pytest

from ml_worker.core.artifacts import materialize, parse_s3_uri, upload_dir


def _model_dir(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "config.json").write_text('{"num_labels": 2}')
    (root / "sub" / "weights.bin").write_bytes(bytes(range(256)) * 100)
    return root


def test_local_directories_are_used_in_place(tmp_path: Path) -> None:
    model = _model_dir(tmp_path / "model")
    assert materialize(str(model), tmp_path / "cache", "v1") == model
    assert materialize(f"file://{model}", tmp_path / "cache", "v1") == model
    assert not (tmp_path / "cache").exists()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        materialize(str(tmp_path / "missing"), tmp_path / "cache", "v1")


def test_s3_prefix_is_downloaded_once_then_served_from_the_cache(tmp_path: Path, s3_client) -> None:  # type: ignore[no-untyped-def]
    s3_client.create_bucket(Bucket="artifacts")
    source = _model_dir(tmp_path / "model")
    keys = upload_dir(source, "s3://artifacts/classifiers/v7/", s3_client)
    assert keys == ["classifiers/v7/config.json", "classifiers/v7/sub/weights.bin"]
    s3_client.put_object(Bucket="artifacts", Key="classifiers/v70/other.txt", Body=b"not part of v7")

    calls = []

    def factory():  # type: ignore[no-untyped-def]
        calls.append(1)
        return s3_client

    cache = tmp_path / "cache"
    local = materialize("s3://artifacts/classifiers/v7", cache, "clf-7", s3_client_factory=factory)
    assert local == cache / "clf-7"
    assert (local / "config.json").read_text() == '{"num_labels": 2}'
    assert (local / "sub" / "weights.bin").read_bytes() == (source / "sub" / "weights.bin").read_bytes()
    assert not (local / "other.txt").exists()  # "v7/" is a folder prefix, not a string prefix of "v70"
    assert sorted(p.name for p in cache.iterdir()) == ["clf-7"]  # no staging directory left behind

    # Second call: served from the cache without creating a client, even after the objects are gone.
    s3_client.delete_object(Bucket="artifacts", Key="classifiers/v7/config.json")
    assert materialize("s3://artifacts/classifiers/v7", cache, "clf-7", s3_client_factory=factory) == local
    assert len(calls) == 1


def test_empty_s3_prefix_fails_without_leaving_a_cache_entry(tmp_path: Path, s3_client) -> None:  # type: ignore[no-untyped-def]
    s3_client.create_bucket(Bucket="empty")
    cache = tmp_path / "cache"
    with pytest.raises(FileNotFoundError, match="no objects under s3://empty/nothing"):
        materialize("s3://empty/nothing", cache, "k", s3_client_factory=lambda: s3_client)
    assert list(cache.iterdir()) == []
    with pytest.raises(ValueError, match="single path component"):
        materialize("s3://empty/nothing", cache, "../escape", s3_client_factory=lambda: s3_client)


def test_s3_uri_parsing() -> None:
    assert parse_s3_uri("s3://bucket/a/b/") == ("bucket", "a/b")
    assert parse_s3_uri("s3://bucket") == ("bucket", "")
    with pytest.raises(ValueError, match="names no bucket"):
        parse_s3_uri("s3:///a")
