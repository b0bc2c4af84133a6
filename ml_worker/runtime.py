"""The models a worker process holds: a few classifier versions, loaded once, least recently used out.

Module-level state, one per process (a prefork child, or the web process when
Celery runs eagerly). ``classifier_for(version)`` returns the loaded
:class:`InjuryClassifier` for that version, loading it (through
``artifacts.materialize`` into ``GAUNTLET_MODEL_CACHE/<version id>``) only when
the process does not hold it yet. Up to ``GAUNTLET_LOADED_MODELS`` versions stay
loaded (an LRU): rewrite sessions attack the version that was active when they
opened, so while a newly promoted version takes over, live workers answer both
without reloading a checkpoint on every other request (a MiniLM load is about a
second; a DeBERTa-large one far more).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from django.conf import settings

from gauntlet.common import storage
from ml_worker.core.artifacts import materialize
from ml_worker.core.classifier import InjuryClassifier
from ml_worker.models import ClassifierVersion

_lock = threading.Lock()
_loaded: OrderedDict[int, InjuryClassifier] = OrderedDict()  # version id -> model, most recent last


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


def _capacity() -> int:
    return max(1, int(getattr(settings, "GAUNTLET_LOADED_MODELS", 2)))


def classifier_for(version: ClassifierVersion) -> InjuryClassifier:
    """The process's classifier for ``version``; loads it when needed, first dropping the least
    recently used one if the process already holds ``GAUNTLET_LOADED_MODELS`` versions."""
    with _lock:
        clf = _loaded.get(version.pk)
        if clf is not None:
            _loaded.move_to_end(version.pk)
            return clf
        while len(_loaded) >= _capacity():
            _loaded.popitem(last=False)  # drop before loading: peak memory is capacity models
        clf = InjuryClassifier.load(artifact_dir(version), max_length=settings.GAUNTLET_CLASSIFIER_MAX_LENGTH)
        _loaded[version.pk] = clf
        return clf


def loaded_version_id() -> int | None:
    """The most recently used loaded version, or None when the process holds no model."""
    return next(reversed(_loaded), None)


def loaded_version_ids() -> list[int]:
    """Every loaded version, least recently used first."""
    return list(_loaded)


def reset() -> None:
    """Forget the loaded models (tests)."""
    with _lock:
        _loaded.clear()


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


def _consumed_queues() -> set[str]:
    """The queues this worker consumes (``-Q``; the selection is made before the children fork)."""
    from gauntlet.celery import app

    return set(app.amqp.queues.consume_from)


def batch_priority_apply(queues: set[str] | None = None) -> int:
    """Lower this process's CPU priority when its worker serves batch work and no live tools: to
    ``GAUNTLET_BATCH_WORKER_NICE`` for batch model work (``-Q gpu``), else to
    ``GAUNTLET_BACKGROUND_WORKER_NICE`` for whole-queue statistics (``-Q background``); its niceness after.

    On a machine whose CPUs the live pool and the web processes share with training, bulk scoring
    and consensus refits, the scheduler then runs a person's request first and gives batch work what
    is left, instead of sharing the cores evenly. Only ever lowers the priority (no privilege
    needed); 0 leaves it alone. A worker that also serves ``default`` with ``background`` runs its
    bookkeeping at the background's niceness too: give the background queue a worker of its own.
    On a GPU machine the CPU side of batch work (tokenizing, data loading) yields the same way;
    separating the GPU work itself is a device or CUDA stream per pool."""
    from gauntlet.celery import Queue

    queues = _consumed_queues() if queues is None else queues
    if Queue.LIVE.value in queues:
        return os.nice(0)
    if Queue.GPU.value in queues:
        target = int(settings.GAUNTLET_BATCH_WORKER_NICE)
    elif Queue.BACKGROUND.value in queues:
        target = int(settings.GAUNTLET_BACKGROUND_WORKER_NICE)
    else:
        return os.nice(0)
    current = os.nice(0)
    return os.nice(target - current) if target > current else current


def reset_after_fork(**_: Any) -> None:
    """Give a freshly forked worker child its own intra-op thread pool and no inherited model, and
    a batch-only worker's child its lower CPU priority (:func:`batch_priority_apply`).

    Connected to Celery's ``worker_process_init``. A prefork child inherits the
    parent's OpenMP state; using it as is made every forward pass several times
    slower (and can deadlock libgomp when the parent ever computed). Setting the
    thread count again rebuilds the pool inside the child. The priority is set first:
    Linux niceness is per thread, and the pool's threads inherit it when they are created.
    """
    from ml_worker.core.device import use_cpu_threads

    _loaded.clear()
    batch_priority_apply()
    use_cpu_threads(settings.GAUNTLET_TORCH_THREADS)
