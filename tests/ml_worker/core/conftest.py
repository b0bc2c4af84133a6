"""Fixtures for the pure ML core: tiny models built from configs, the bundled MiniLM, a real S3 server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import torch

from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.similarity import SentenceEncoder
from ml_worker.core.training import TrainConfig, TrainResult, train
from tests.ml_worker.core import toy

# Tests only: the machine has 2 cores, and torch's default (all cores + interop pool) oversubscribes them.
torch.set_num_threads(2)

TOY_TRAIN_CONFIG = TrainConfig(
    lr=3e-3,
    epochs=6,
    batch_size=16,
    warmup_ratio=0.1,
    seed=0,
    max_length=48,
    device="cpu",
    early_stopping_patience=None,
    checkpoint_every=1000,
)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toy.write_tiny_classifier(tmp_path_factory.mktemp("tiny_classifier"))


@pytest.fixture
def tiny_clf(tiny_model_dir: Path) -> InjuryClassifier:
    return InjuryClassifier.load(tiny_model_dir, device="cpu", max_length=48)


@pytest.fixture(scope="session")
def trained_toy(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> tuple[TrainResult, Path]:
    """The tiny model fine-tuned on separable toy stories (shared: training takes a few seconds)."""
    root = tmp_path_factory.mktemp("trained_toy")
    result = train(
        TOY_TRAIN_CONFIG,
        toy.toy_examples(320, seed=1),
        toy.toy_examples(80, seed=2),
        init_path=tiny_model_dir,
        output_dir=root / "best",
        checkpoint_dir=root / "ckpt",
        progress=False,
    )
    return result, root / "best"


@pytest.fixture(scope="session")
def minilm_clf() -> InjuryClassifier:
    """The real bundled MiniLM with a fresh (seeded) head: only for behaviour that needs a real model."""
    return InjuryClassifier.from_backbone(device="cpu", seed=0)


@pytest.fixture(scope="session")
def sentence_encoder() -> SentenceEncoder:
    """The bundled MiniLM as a sentence encoder, loaded once for the session."""
    return SentenceEncoder(device="cpu")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real `moto_server` process on a free loopback port, killed at the end of the session."""
    port = _free_port()
    executable = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own venv's executable
        [str(executable), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_client(s3_endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
    )
