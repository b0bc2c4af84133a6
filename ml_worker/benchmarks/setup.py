"""Shared setup of the ml benchmarks: the model, the pairs, a registered version and a user."""

from __future__ import annotations

import uuid
from pathlib import Path

from gauntlet.accounts.models import Role, User
from gauntlet.common.benchmarks import BenchOptions
from ml_worker.models import ClassifierVersion, VersionStatus


def model_path(options: BenchOptions) -> Path:
    """``--param model=PATH`` or the bundled MiniLM (its pooler-free encoder with a fresh head)."""
    if options.params.get("model"):
        return Path(options.params["model"])
    from ml_worker.core.classifier import InjuryClassifier
    from ml_worker.services.registry import classifier_base_path

    target = Path(tempfile_dir()) / "bench-minilm"
    if not target.exists():
        InjuryClassifier.from_backbone(classifier_base_path(), device="cpu", seed=0).save(target)
    return target


def tempfile_dir() -> str:
    from django.conf import settings

    folder = Path(settings.GAUNTLET_MODEL_CACHE) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def pairs_for(n: int, seed: int) -> list[tuple[str, str, int]]:
    from ml_worker.core.story_world import synthetic_story_pairs

    return [(p.prompt, p.completion, p.label) for p in synthetic_story_pairs(n, seed=seed)]


def bench_version(path: Path) -> ClassifierVersion:
    """The benchmarked checkpoint, registered and active (the worker resolves it like any version)."""
    ClassifierVersion.objects.filter(status=VersionStatus.ACTIVE).update(status=VersionStatus.RETIRED)
    return ClassifierVersion.objects.create(
        name=f"bench-{uuid.uuid4().hex[:8]}",
        artifact_uri=str(path),
        base_model=str(path),
        status=VersionStatus.ACTIVE,
        threshold=0.5,
    )


def bench_user_token() -> str:
    from rest_framework.authtoken.models import Token

    # A manager: the bare live tools the benchmark calls answer managers only.
    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", role=Role.MANAGER)
    return str(Token.objects.create(user=user).key)
