"""Fixtures for the pure ML core: tiny models built from configs, the bundled MiniLM (S3: the
session's moto_server, ``s3_client`` in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.lexicon import Lexicon
from ml_worker.core.similarity import SentenceEncoder
from ml_worker.core.training import TrainConfig, TrainResult, train
from tests.ml_worker.core import toy

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


@pytest.fixture(scope="session")
def toy_lexicon(sentence_encoder: SentenceEncoder, tmp_path_factory: pytest.TempPathFactory) -> Lexicon:
    """The substitution thesaurus over the toy vocabulary's words (MiniLM word vectors)."""
    words = [w for w in toy.VOCAB if w.isalpha()]
    return Lexicon.build(sentence_encoder, cache_dir=tmp_path_factory.mktemp("lexicon"), words=words)
