"""Fixtures for whole-API tests: a tiny active classifier in this test's folder, and the world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import storages

from ml_worker import runtime
from tests.gauntlet.api.world import World, build_world
from tests.ml_worker.core import toy


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toy.write_tiny_classifier(tmp_path_factory.mktemp("api_tiny"))


@pytest.fixture(autouse=True)
def ml_env(tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Model cache and storage in this test's folder; live tools answer from the in-process model."""
    cache, media = tmp_path / "model-cache", tmp_path / "media"
    monkeypatch.setenv("GAUNTLET_MODEL_CACHE", str(cache))
    settings.GAUNTLET_MODEL_CACHE = cache  # type: ignore[attr-defined]
    settings.GAUNTLET_CLASSIFIER_MAX_LENGTH = 48  # type: ignore[attr-defined]
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}
    settings.STORAGES = {**settings.STORAGES, "default": backend, "artifacts": backend}  # type: ignore[attr-defined]
    settings.MEDIA_ROOT = str(media)  # type: ignore[attr-defined]
    storages._storages = {}  # type: ignore[attr-defined]
    runtime.reset()
    yield tmp_path
    runtime.reset()
    storages._storages = {}  # type: ignore[attr-defined]


@pytest.fixture
def world(db: None, tiny_checkpoint: Path) -> World:
    return build_world(tiny_checkpoint)
