"""Fixtures for attacks: a tiny random classifier registered as the active version, attack queues, a seed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import storages

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import PayMode, Queue, QueueState
from labeling.models import Example, InjuryLabel
from ml_worker import runtime
from ml_worker.models import ClassifierVersion, VersionStatus
from tests.factories import ContractorFactory
from tests.ml_worker.core import toy

SEED_PROMPT = "tom went to the park . it was a sunny day ."
SEED_COMPLETION = "anna hurt the dog ."
# Candidate rewrites: which one a random tiny model passes is decided by scoring them (see ``scored_edits``).
EDIT_COMPLETIONS = [
    "anna cut the dog .",
    "anna bruised the cat quietly .",
    "anna burned her brother .",
    "anna stabbed the bird .",
    "the dog bled and anna laughed .",
    "anna broke the sister .",
    "then anna fractured his friend .",
    "anna hurt a dog with his cat .",
]


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toy.write_tiny_classifier(tmp_path_factory.mktemp("attacks_tiny"))


@pytest.fixture(autouse=True)
def ml_env(tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    cache, media = tmp_path / "model-cache", tmp_path / "media"
    monkeypatch.setenv("GAUNTLET_MODEL_CACHE", str(cache))
    settings.GAUNTLET_MODEL_CACHE = cache  # type: ignore[attr-defined]
    settings.GAUNTLET_CLASSIFIER_MAX_LENGTH = 48  # type: ignore[attr-defined]
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}
    settings.STORAGES = {**settings.STORAGES, "default": backend, "artifacts": backend}  # type: ignore[attr-defined]
    storages._storages = {}  # type: ignore[attr-defined]
    runtime.reset()
    yield tmp_path
    runtime.reset()
    storages._storages = {}  # type: ignore[attr-defined]


@pytest.fixture
def tiny_version(db: None, tiny_checkpoint: Path) -> ClassifierVersion:
    return ClassifierVersion.objects.create(
        name="tiny-r0",
        artifact_uri=str(tiny_checkpoint),
        base_model="tiny-bert",
        status=VersionStatus.ACTIVE,
        threshold=0.5,
    )


@pytest.fixture
def scored_edits(tiny_version: ClassifierVersion) -> dict[str, object]:
    """The seed and candidate edits scored by the tiny model; the version's threshold is set between the
    highest- and lowest-scoring edit, so ``fail`` is caught and ``pass_`` passes (deterministic)."""
    clf = runtime.classifier_for(tiny_version)
    scores = clf.score([(SEED_PROMPT, c) for c in EDIT_COMPLETIONS])
    ranked = sorted(zip(scores, EDIT_COMPLETIONS, strict=True))
    (low, passing), (high, failing) = ranked[0], ranked[-1]
    assert high > low
    tiny_version.threshold = (low + high) / 2
    tiny_version.save(update_fields=["threshold"])
    others = [c for _, c in ranked[1:-1]]
    return {
        "pass_": passing,
        "fail": failing,
        "threshold": tiny_version.threshold,
        "others": others,
        "scores": dict(zip(EDIT_COMPLETIONS, scores, strict=True)),
    }


@pytest.fixture
def verification_queue(db: None) -> Queue:
    return Queue.objects.create(
        name="verify",
        kind="verification",
        state=QueueState.OPEN,
        overlap=2,
        pay_per_task=Decimal("0.10"),
        kind_settings={"fillers_per_submission": 0},
    )


@pytest.fixture
def rewrite_queue(verification_queue: Queue) -> Queue:
    return Queue.objects.create(
        name="attack",
        kind="rewrite",
        state=QueueState.OPEN,
        overlap=3,
        pay_mode=PayMode.PER_TASK,
        pay_per_task=Decimal("0.50"),
        bonus_amount=Decimal("2.00"),
        lease_seconds=900,
        kind_settings={"condition": "tool_assisted", "verification_queue_id": verification_queue.pk},
    )


@pytest.fixture
def seed(db: None) -> Example:
    example = Example(
        prompt=SEED_PROMPT, completion=SEED_COMPLETION, batch="seeds", imported_label=InjuryLabel.INJURIOUS
    )
    example.save()
    return example


@pytest.fixture
def rewriter(db: None) -> User:
    return ContractorFactory()


@pytest.fixture
def seeded_rewrite_queue(rewrite_queue: Queue, seed: Example) -> Queue:
    from gauntlet.workqueue.services import items_add

    items_add(queue=rewrite_queue, items=[{"payload": {"example_id": seed.pk}}])
    return rewrite_queue
