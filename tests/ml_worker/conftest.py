"""Fixtures for ml_worker's Django side: a tiny registered classifier, labelled examples, a real worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import storages

from ml_worker import runtime
from ml_worker.models import ClassifierVersion, VersionStatus
from tests.ml_worker.core import toy


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny BERT classifier + tokenizer saved as an HF checkpoint directory."""
    return toy.write_tiny_classifier(tmp_path_factory.mktemp("tiny_checkpoint"))


@pytest.fixture(autouse=True)
def ml_env(tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Model cache and artifact storage in this test's own folder, for this process and any worker
    started after it (the worker inherits the environment)."""
    cache, media = tmp_path / "model-cache", tmp_path / "media"
    monkeypatch.setenv("GAUNTLET_MODEL_CACHE", str(cache))
    monkeypatch.setenv("GAUNTLET_MEDIA_ROOT", str(media))
    monkeypatch.setenv("GAUNTLET_CLASSIFIER_MAX_LENGTH", "48")
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
def tiny_version(db: None, tiny_checkpoint: Path) -> ClassifierVersion:
    """The tiny classifier registered and active."""
    return ClassifierVersion.objects.create(
        name="tiny",
        artifact_uri=str(tiny_checkpoint),
        base_model="tiny-bert",
        status=VersionStatus.ACTIVE,
        threshold=0.5,
    )


@pytest.fixture
def worker(ml_env: Path, celery_worker_process: object) -> object:
    """A real Celery worker (queues default, gpu) that shares this test's model cache and storage."""
    return celery_worker_process
