"""Celery tasks of ml_worker: thin interfaces over the services. Where each runs is declared once,
in the routes of ``gauntlet.celery`` (the live tools on ``live``, everything else on ``gpu``), and so
are the options every task shares (``acks_late`` with ``reject_on_worker_lost``: a task whose worker
dies is redelivered); a task here declares only its own time limits.

Every task takes ids or plain text and is safe to run twice, as each docstring says. No task
retries: live tasks have a user waiting (the web side gives up after ``GAUNTLET_LIVE_TIMEOUT``), and
a batch that fails leaves its examples unscored for ``score_unscored`` (beat, every minute).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from gauntlet.common.single_flight import single_flight
from ml_worker.models import ClassifierVersion
from ml_worker.selectors import classifier_version_active, classifier_version_loadable, examples_unscored
from ml_worker.services import scoring, training
from ml_worker.services.live.compute import (
    live_saliency_compute,
    live_score_compute,
    live_substitutions_compute,
)

_LONGEST = int(getattr(settings, "CELERY_LONGEST_TASK_SECONDS", 6 * 3600))


@shared_task(name="ml_worker.tasks.live_score", soft_time_limit=20, time_limit=30)
def live_score(*, prompt: str, completion: str, version_id: int, request_id: str) -> dict[str, Any] | None:
    """P(injurious) of the waiting live requests, batched, each answer pushed to its waiter (eager:
    this pair's answer, returned). Idempotent: pure read; a second run finds nothing waiting."""
    return live_score_compute(
        prompt=prompt, completion=completion, version_id=version_id, request_id=request_id
    )


@shared_task(name="ml_worker.tasks.live_saliency", soft_time_limit=20, time_limit=30)
def live_saliency(*, prompt: str, completion: str, version_id: int) -> dict[str, Any]:
    """Per-token saliency of one pair. Idempotent: pure read."""
    return live_saliency_compute(prompt=prompt, completion=completion, version_id=version_id)


@shared_task(name="ml_worker.tasks.live_substitutions", soft_time_limit=30, time_limit=45)
def live_substitutions(
    *, prompt: str, completion: str, field: str, start: int, end: int, k: int, version_id: int
) -> dict[str, Any]:
    """Top-k replacements for a span, each re-scored. Idempotent: pure read."""
    return live_substitutions_compute(
        prompt=prompt, completion=completion, field=field, start=start, end=end, k=k, version_id=version_id
    )


@shared_task(
    name="ml_worker.tasks.score_examples",
    soft_time_limit=600,
    time_limit=660,
)
def score_examples(example_ids: list[int], version_id: int) -> int:
    """Score these examples with this version. Idempotent: already scored examples are skipped and
    the insert ignores duplicates, so a redelivered batch writes nothing new."""
    version = classifier_version_loadable(version_id=version_id)
    if version is None:
        return 0
    return scoring.examples_score(example_ids=example_ids, version=version)


def _batches(version: ClassifierVersion, limit: int | None = None) -> list[list[int]]:
    ids = list(examples_unscored(version=version).values_list("pk", flat=True)[:limit])
    size = settings.GAUNTLET_SCORE_BATCH_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


SCORE_UNSCORED_TTL_S = 1300  # the hard time limit: a killed run frees the lock by then


@shared_task(
    name="ml_worker.tasks.score_unscored",
    soft_time_limit=SCORE_UNSCORED_TTL_S - 100,
    time_limit=SCORE_UNSCORED_TTL_S,
)
def score_unscored(limit: int = 20_000) -> int | None:
    """Score up to ``limit`` examples that have no score from the active version (beat, every minute,
    and kicked on commit by generation batches). Single-flight: while one run is in progress another is a no-op that
    returns None (beat every minute plus kicks would otherwise stack runs that score the same
    examples twice over on the gpu workers). Idempotent: it only ever fills in missing scores."""
    with single_flight("score-unscored", ttl_seconds=SCORE_UNSCORED_TTL_S) as mine:
        if not mine:
            return None
        version = classifier_version_active()
        if version is None:
            return 0
        written = 0
        for batch in _batches(version, limit):
            written += scoring.examples_score(example_ids=batch, version=version)
        return written


@shared_task(name="ml_worker.tasks.rescore_all", soft_time_limit=120, time_limit=180)
def rescore_all(version_id: int) -> int:
    """After a promotion: fan out ``score_examples`` batches for everything this version has not scored.
    Idempotent: a re-run enqueues only batches still missing scores; each batch skips done work."""
    version = classifier_version_loadable(version_id=version_id)
    if version is None:
        return 0
    batches = _batches(version)
    for batch in batches:
        score_examples.delay(batch, version_id)
    return len(batches)


@shared_task(name="ml_worker.tasks.train_classifier", soft_time_limit=_LONGEST, time_limit=_LONGEST + 300)
def train_classifier(run_id: int) -> str:
    """Train a run's version. Idempotent: a finished run is left alone; an interrupted one (the worker
    died and the message was redelivered) resumes from its last checkpoint instead of starting over."""
    return training.training_run_execute(run_id=run_id).status


@shared_task(
    name="ml_worker.tasks.generation_batch_run",
    soft_time_limit=_LONGEST,
    time_limit=_LONGEST + 300,
)
def generation_batch_run(batch_id: int) -> str:
    """Generate a batch's completions. Idempotent: a finished batch is left alone; a redelivered one
    writes only the samples it is missing."""
    from ml_worker.reliability.services.generation import generation_batch_execute

    return generation_batch_execute(batch_id=batch_id).status


@shared_task(name="ml_worker.tasks.threshold_sweep_run", soft_time_limit=3600, time_limit=3900)
def threshold_sweep_run(version_id: int, label_budget: int = 200) -> int | None:
    """Score what a version lacks among generator samples and held-out sets, then store its threshold
    sweep. Idempotent: scoring skips what is scored; a re-run stores a fresh sweep of the same data."""
    from ml_worker.reliability.services.sweep import threshold_sweep_compute

    version = classifier_version_loadable(version_id=version_id)
    if version is None:
        return None
    return threshold_sweep_compute(version=version, label_budget=label_budget).pk
