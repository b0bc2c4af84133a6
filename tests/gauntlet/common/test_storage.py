"""Artifacts round-trip through a real S3 API (moto_server) and the local filesystem."""

from pathlib import Path

from gauntlet.common import storage


def test_s3_round_trip_through_a_real_moto_server(s3_storage: str, s3_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = storage.save_bytes("exports/payouts/2026-11.csv", b"email,total\na@example.com,1.00\n")
    assert uri == f"s3://{s3_storage}/exports/payouts/2026-11.csv"
    assert storage.read_bytes(uri) == b"email,total\na@example.com,1.00\n"

    # The object really is in the bucket, as another S3 client sees it.
    body = s3_client.get_object(Bucket=s3_storage, Key="exports/payouts/2026-11.csv")["Body"].read()
    assert body.startswith(b"email,total")

    # Directories (checkpoints) upload and download whole.
    checkpoint = tmp_path / "ckpt"
    (checkpoint / "sub").mkdir(parents=True)
    (checkpoint / "config.json").write_text("{}")
    (checkpoint / "sub" / "weights.bin").write_bytes(b"\x00\x01")
    prefix_uri = storage.save_dir("checkpoints/v1", checkpoint)
    assert storage.list_keys("checkpoints/v1") == [
        "checkpoints/v1/config.json",
        "checkpoints/v1/sub/weights.bin",
    ]
    restored = storage.download_dir(prefix_uri, tmp_path / "restored")
    assert (restored / "sub" / "weights.bin").read_bytes() == b"\x00\x01"


def test_overwriting_a_key_keeps_one_object(s3_storage: str) -> None:
    storage.save_bytes("datasets/a.jsonl", b"one")
    storage.save_bytes("datasets/a.jsonl", b"two")
    assert storage.read_bytes("datasets/a.jsonl") == b"two"
    assert storage.list_keys("datasets") == ["datasets/a.jsonl"]


def test_local_storage_gives_file_uris_that_read_back(local_storage: None) -> None:
    uri = storage.save_bytes("datasets/b.jsonl", b"{}\n")
    assert uri.startswith("file:///")
    assert storage.read_bytes(uri) == b"{}\n"
    assert storage.exists(uri)
    storage.delete(uri)
    assert not storage.exists("datasets/b.jsonl")
