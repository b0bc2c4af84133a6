"""The model a worker process holds: one classifier, loaded once, swapped when the version changes.

Module-level state, one per process (a prefork child, or the web process when
Celery runs eagerly). ``classifier_for(version)`` returns the loaded
:class:`InjuryClassifier` for that version, loading it (through
``artifacts.materialize`` into ``GAUNTLET_MODEL_CACHE/<version id>``) only when
the process holds a different one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from gauntlet.common import storage
from ml_worker.core.artifacts import materialize
from ml_worker.core.classifier import InjuryClassifier
from ml_worker.models import ClassifierVersion


@dataclass
class _Loaded:
    version_id: int
    classifier: InjuryClassifier


_lock = threading.Lock()
_loaded: _Loaded | None = None


def artifact_dir(version: ClassifierVersion) -> Path:
    """A local directory with the version's checkpoint (downloaded once per version id for s3://)."""
    if not version.artifact_uri:
        raise FileNotFoundError(f"classifier version {version.name} has no artifact yet")
    return materialize(
        version.artifact_uri,
        Path(settings.GAUNTLET_MODEL_CACHE),
        f"version-{version.pk}",
        s3_client_factory=storage.s3_client,
    )


def classifier_for(version: ClassifierVersion) -> InjuryClassifier:
    """The process's classifier for ``version``; loads it (replacing any other) when needed."""
    global _loaded
    with _lock:
        if _loaded is None or _loaded.version_id != version.pk:
            _loaded = None  # drop the old model before loading the new one: one in memory at a time
            clf = InjuryClassifier.load(
                artifact_dir(version), max_length=settings.GAUNTLET_CLASSIFIER_MAX_LENGTH
            )
            _loaded = _Loaded(version.pk, clf)
        return _loaded.classifier


def loaded_version_id() -> int | None:
    return _loaded.version_id if _loaded is not None else None


def reset() -> None:
    """Forget the loaded model (tests)."""
    global _loaded
    with _lock:
        _loaded = None


_masked_lm: Any = None


def masked_lm() -> Any:
    """The configured masked LM for substitutions (GAUNTLET_MASKED_LM), loaded once; None when unset
    (substitutions then come from the classifier's own embedding neighbourhood)."""
    global _masked_lm
    if not settings.GAUNTLET_MASKED_LM:
        return None
    if _masked_lm is None:
        from ml_worker.core.substitutions import MaskedLM

        _masked_lm = MaskedLM.load(settings.GAUNTLET_MASKED_LM)
    return _masked_lm


def reset_after_fork(**_: Any) -> None:
    """Give a freshly forked worker child its own intra-op thread pool and no inherited model.

    Connected to Celery's ``worker_process_init``. A prefork child inherits the
    parent's OpenMP state; using it as is made every forward pass several times
    slower (and can deadlock libgomp when the parent ever computed). Setting the
    thread count again rebuilds the pool inside the child.
    """
    global _loaded
    import torch

    _loaded = None
    torch.set_num_threads(settings.GAUNTLET_TORCH_THREADS)
