"""Through a real Celery worker process (Redis broker, test database): live tooling and resumable training."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import transaction

from ml_worker.models import RunStatus, VersionStatus
from ml_worker.services.training import training_run_create, training_run_dir
from tests.ml_worker.factories import labelled_examples

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAIR = {"prompt": "tom went to the park . it was a sunny day .", "completion": "anna hurt the dog ."}


def test_live_score_and_saliency_through_a_real_worker(
    worker, manager_client, tiny_version, settings
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.GAUNTLET_LIVE_TIMEOUT = 30.0  # the first request loads the model in the worker
    score = manager_client.post("/api/v1/score/", PAIR)
    assert score.status_code == 200, score.json()
    assert score.json()["classifier_version"] == tiny_version.pk
    saliency = manager_client.post("/api/v1/saliency/", PAIR)
    assert saliency.status_code == 200, saliency.json()
    assert saliency.json()["score"] == pytest.approx(score.json()["score"], abs=1e-6)
    words = [(t["field"], t["text"]) for t in saliency.json()["tokens"]]
    assert ("completion", "hurt") in words and ("prompt", "park") in words


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_training_run_whose_worker_is_killed_resumes_from_its_checkpoint(worker, tiny_version) -> None:
    labelled_examples(300, seed=5)
    config = {
        "epochs": 6,
        "lr": 3e-3,
        "batch_size": 4,
        "max_length": 48,
        "device": "cpu",
        "seed": 0,
        "early_stopping_patience": None,
        "checkpoint_every": 5,
    }
    with transaction.atomic():
        run = training_run_create(created_by=None, from_version=tiny_version, name="resumed", config=config)
    checkpoint = training_run_dir(run) / "checkpoint" / "checkpoint.pt"

    def started() -> bool:
        run.refresh_from_db()
        return "worker_pid" in run.progress and checkpoint.exists()

    _wait(started, 120, "the worker to write a first checkpoint")
    os.kill(run.progress["worker_pid"], signal.SIGKILL)  # the pool process dies mid-run, no cleanup

    def finished() -> bool:
        run.refresh_from_db()
        return run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    _wait(finished, 240, "the redelivered run to finish")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.attempts == 2
    version = run.version
    version.refresh_from_db()
    total_steps = 6 * 60  # 240 training examples / batch 4, 6 epochs
    assert 0 < version.metrics["resumed_from_step"] < total_steps
    assert version.metrics["global_step"] == total_steps
    assert len(run.metrics_history) == 6
    assert version.status == VersionStatus.READY and version.metrics["val_auc"] is not None
