"""Training runs: snapshot the consensus data, fine-tune (resumably), store the new version."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from transformers import AutoTokenizer

from gauntlet.accounts.models import User
from gauntlet.common import storage
from gauntlet.common.enqueue import task_send
from gauntlet.errors import Conflict, Invalid
from labeling.models import Consensus, Example, InjuryLabel
from ml_worker import runtime
from ml_worker.core.classifier import completions_over_limit
from ml_worker.core.training import EpochMetrics, TrainConfig, TrainExample, stratified_split, train
from ml_worker.core.training.checkpoint import CHECKPOINT_NAME, load_checkpoint
from ml_worker.models import ClassifierVersion, RunStatus, TrainingRun, VersionStatus
from ml_worker.services.registry import (
    classifier_base_path,
    classifier_version_promote,
    version_storage_prefix,
)

DECISIVE = (InjuryLabel.INJURIOUS, InjuryLabel.NOT_INJURIOUS)
TRAIN_CONFIG_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}
# Run options kept in ``train_config`` next to TrainConfig's fields.
# queues: train only on the consensus of these queues (ids; None: every queue's)
RUN_OPTIONS = {
    "val_fraction": 0.2,
    "include_imported": False,
    "promote": False,
    "synthetic": 0,
    "queues": None,
}


def training_data_snapshot(
    *, include_imported: bool = False, queue_ids: list[int] | None = None
) -> dict[str, Any]:
    """Which examples train the next version, with which labels, and a hash of both.

    An example is in when it has a decided, final consensus label of injurious
    or not injurious (the latest one when several queues judged it). With
    ``include_imported``, examples without consensus fall back to their
    ``imported_label`` when it is decisive. With ``queue_ids``, only those queues' consensus counts
    (a simulation's own queues, one project's queues in a shared database). Members of an evaluation set (the in-distribution test
    set, held-out adversarial sets) are never in: versions are compared on them.
    """
    from ml_worker.reliability.services.evaluation import evaluation_example_ids

    held_out = evaluation_example_ids()
    labels: dict[int, str] = {}
    decided = Consensus.objects.filter(decided=True, final=True, label__in=DECISIVE)
    if queue_ids is not None:
        decided = decided.filter(queue_id__in=queue_ids)
    for example_id, label in (
        decided.exclude(example_id__in=held_out)
        .order_by("computed_at", "id")
        .values_list("example_id", "label")
    ):
        labels[example_id] = label
    if include_imported:
        for example_id, label in (
            Example.objects.filter(imported_label__in=DECISIVE)
            .exclude(pk__in=held_out)
            .values_list("pk", "imported_label")
        ):
            labels.setdefault(example_id, label)
    items = sorted(labels.items())
    digest = hashlib.sha256(json.dumps(items).encode()).hexdigest()
    injurious = sum(1 for _, label in items if label == InjuryLabel.INJURIOUS)
    return {
        "examples": [[example_id, label] for example_id, label in items],
        "counts": {"total": len(items), "injurious": injurious, "not_injurious": len(items) - injurious},
        "labels_hash": digest,
        "include_imported": include_imported,
        "queues": queue_ids,
        "held_out_excluded": held_out.count(),
    }


def _queue_ids(value: Any) -> list[int] | None:
    """The ``queues`` run option checked: None, or a non-empty list of ids of existing queues."""
    from gauntlet.workqueue.models import Queue

    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(type(v) is int for v in value):
        raise Invalid("invalid_config", "queues must be a non-empty list of queue ids, e.g. [3, 7].")
    ids = sorted(set(value))
    missing = sorted(set(ids) - set(Queue.objects.filter(pk__in=ids).values_list("pk", flat=True)))
    if missing:
        raise Invalid("invalid_config", f"No queue with id {', '.join(map(str, missing))}.")
    return ids


@transaction.atomic
def training_run_create(
    *,
    created_by: User | None,
    from_version: ClassifierVersion | None = None,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> TrainingRun:
    """A new version (status training) with its data snapshot, and the run that will train it.

    Side effect: with ``enqueue``, ``train_classifier`` is queued on commit.
    """
    config = dict(config or {})
    unknown = set(config) - TRAIN_CONFIG_FIELDS - set(RUN_OPTIONS)
    if unknown:
        raise Invalid("invalid_config", f"Unknown training options: {', '.join(sorted(unknown))}.")
    options = {**RUN_OPTIONS, **{k: v for k, v in config.items() if k in RUN_OPTIONS}}
    train_fields = {k: v for k, v in config.items() if k in TRAIN_CONFIG_FIELDS}
    train_fields.setdefault("threshold", settings.GAUNTLET_DEFAULT_THRESHOLD)
    train_fields.setdefault("max_length", settings.GAUNTLET_CLASSIFIER_MAX_LENGTH)
    try:
        TrainConfig(**train_fields)
    except (TypeError, ValueError) as exc:
        raise Invalid("invalid_config", f"Invalid training options: {exc}") from exc
    if from_version is not None and not from_version.artifact_uri:
        raise Conflict("not_trainable", f"Version {from_version.name} has no artifact to start from.")

    if options["synthetic"]:
        snapshot: dict[str, Any] = {
            "synthetic": int(options["synthetic"]),
            "seed": train_fields.get("seed", 0),
        }
        snapshot["labels_hash"] = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    else:
        snapshot = training_data_snapshot(
            include_imported=bool(options["include_imported"]), queue_ids=_queue_ids(options["queues"])
        )
        counts = snapshot["counts"]
        if counts["injurious"] < 2 or counts["not_injurious"] < 2:
            raise Conflict(
                "not_enough_data",
                f"Training needs at least 2 decisive labels of each class; the consensus data has "
                f"{counts['injurious']} injurious and {counts['not_injurious']} not injurious.",
            )
    base = from_version.artifact_uri if from_version else str(classifier_base_path())
    version = ClassifierVersion.objects.create(
        name=name or f"v-{timezone.now():%Y%m%d-%H%M%S-%f}",
        base_model=base,
        parent=from_version,
        status=VersionStatus.TRAINING,
        threshold=train_fields["threshold"],
        data_snapshot=snapshot,
        data_hash=snapshot["labels_hash"],
        train_config={**train_fields, **options},
        created_by=created_by,
    )
    run = TrainingRun.objects.create(version=version)
    if enqueue:
        run_id = run.pk
        transaction.on_commit(lambda: _enqueue_training(run_id))
    return run


def _enqueue_training(run_id: int) -> None:
    result = task_send("ml_worker.tasks.train_classifier", run_id)
    TrainingRun.objects.filter(pk=run_id, celery_task_id="").update(celery_task_id=result.id or "")


def _examples_for(version: ClassifierVersion) -> list[TrainExample]:
    snapshot = version.data_snapshot
    if snapshot.get("synthetic"):
        from ml_worker.core.story_world import synthetic_story_pairs

        return [
            TrainExample(prompt, completion, int(label), "generator")
            for prompt, completion, label in synthetic_story_pairs(
                snapshot["synthetic"], seed=snapshot["seed"]
            )
        ]
    return [example for _, example in _labelled_examples(version)]


def _labelled_examples(version: ClassifierVersion) -> list[tuple[int, TrainExample]]:
    labels = dict(version.data_snapshot["examples"])
    rows = (
        Example.objects.filter(pk__in=labels)
        .order_by("id")
        .values_list("pk", "prompt", "completion", "source")
    )
    return [
        (pk, TrainExample(prompt, completion, int(labels[pk] == InjuryLabel.INJURIOUS), source))
        for pk, prompt, completion, source in rows
    ]


def _examples_within_limit(
    version: ClassifierVersion, init_path: str | Path, max_length: int
) -> tuple[list[TrainExample], list[int]]:
    """The version's training examples whose completion fits the classifier's token limit, and the ids
    of those left out. The completion is what the classifier judges, so it is never cut: an over-long
    one (the import allows 2,000 characters) is left out of training rather than failing every run.
    Side effect: the left-out ids are recorded in the version's snapshot (``excluded_too_long``), so
    the snapshot says exactly what was trained on. Deterministic, so a resumed run leaves out the same."""
    if version.data_snapshot.get("synthetic"):
        return _examples_for(version), []
    labelled = _labelled_examples(version)
    tokenizer = AutoTokenizer.from_pretrained(str(init_path), local_files_only=True)
    over = set(completions_over_limit(tokenizer, [e.completion for _, e in labelled], max_length))
    excluded = [pk for index, (pk, _) in enumerate(labelled) if index in over]
    if excluded != version.data_snapshot.get("excluded_too_long", []):
        version.data_snapshot = {**version.data_snapshot, "excluded_too_long": excluded}
        ClassifierVersion.objects.filter(pk=version.pk).update(data_snapshot=version.data_snapshot)
    return [e for index, (_, e) in enumerate(labelled) if index not in over], excluded


def _run_slug(run: TrainingRun) -> str:
    """The run's name on disk and in storage: its id *and* creation time.

    Ids restart in a fresh database (a recreated demo, a benchmark's scratch database)
    while ``var/models`` and the bucket live on; an id alone would point a new run at an
    old run's checkpoint (which the training loop then refuses as another run's)."""
    return f"run-{run.pk}-{run.created_at:%Y%m%dT%H%M%S%f}"


def training_run_dir(run: TrainingRun) -> Path:
    """The local folder of a run (its checkpoint and best model while it trains)."""
    return Path(settings.GAUNTLET_MODEL_CACHE) / "runs" / _run_slug(run)


def _checkpoint_key(run: TrainingRun) -> str:
    return f"checkpoints/runs/{_run_slug(run)}/{CHECKPOINT_NAME}"


def _progress(run_id: int, **values: Any) -> None:
    run = TrainingRun.objects.get(pk=run_id)
    run.progress = {**run.progress, **values}
    run.save(update_fields=["progress"])


def training_run_execute(
    *, run_id: int, progress_bar: bool = False, should_stop: Callable[[], bool] | None = None
) -> TrainingRun:
    """Train the run's version to completion (or until ``should_stop``), resuming from its checkpoint.

    Idempotent: a succeeded or failed run is returned untouched; a queued or
    running one (e.g. redelivered after its worker died) continues from the
    last checkpoint, found locally or in storage. Side effects: checkpoint and
    final weights in artifact storage; the version becomes ready (and active
    when the run asked to be promoted); the run records per-epoch metrics.
    Not wrapped in one transaction: progress must be visible while it runs.
    """
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().select_related("version").get(pk=run_id)
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            return run
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.started_at = run.started_at or timezone.now()
        run.progress = {**run.progress, "worker_pid": os.getpid(), "attempt": run.attempts}
        run.save(update_fields=["status", "attempts", "started_at", "progress"])
    version = run.version
    options = {k: version.train_config.get(k, v) for k, v in RUN_OPTIONS.items()}
    config = TrainConfig(**{k: v for k, v in version.train_config.items() if k in TRAIN_CONFIG_FIELDS})
    try:
        init_path = runtime.artifact_dir(version.parent) if version.parent else classifier_base_path()
        examples, excluded = _examples_within_limit(version, init_path, config.max_length)
        train_set, val_set = stratified_split(examples, float(options["val_fraction"]), config.seed)
        run_dir = training_run_dir(run)
        checkpoint_dir = run_dir / "checkpoint"
        if not (checkpoint_dir / CHECKPOINT_NAME).exists() and run.checkpoint_uri:
            checkpoint_dir.mkdir(parents=True, exist_ok=True)  # resuming on another machine
            (checkpoint_dir / CHECKPOINT_NAME).write_bytes(storage.read_bytes(run.checkpoint_uri))
        saved = load_checkpoint(checkpoint_dir)
        start_step = int(saved["progress"]["global_step"]) if saved else 0
        del saved
        steps = {"done": start_step, "reported_at": 0.0}
        _progress(run_id, global_step=start_step, resumed_from_step=start_step)

        def on_epoch(metrics: EpochMetrics) -> None:
            uri = storage.save_file(_checkpoint_key(run), checkpoint_dir / CHECKPOINT_NAME)
            history = [*TrainingRun.objects.get(pk=run_id).metrics_history, dataclasses.asdict(metrics)]
            TrainingRun.objects.filter(pk=run_id).update(checkpoint_uri=uri, metrics_history=history)

        def after_step() -> bool:
            steps["done"] += 1
            now = time.monotonic()
            if now - steps["reported_at"] > 1.0:  # at most one progress write a second
                steps["reported_at"] = now
                _progress(run_id, global_step=steps["done"])
            return bool(should_stop and should_stop())

        result = train(
            config,
            train_set,
            val_set,
            init_path=init_path,
            output_dir=run_dir / "best",
            checkpoint_dir=checkpoint_dir,
            progress=progress_bar,
            on_epoch=on_epoch,
            should_stop=after_step,
        )
        if result.stopped:
            storage.save_file(_checkpoint_key(run), checkpoint_dir / CHECKPOINT_NAME)
            _progress(run_id, global_step=result.global_step, stopped=True)
            return TrainingRun.objects.get(pk=run_id)
        artifact_uri = storage.save_dir(version_storage_prefix(version), result.output_dir)
    except Exception as exc:
        _fail(run_id, exc)
        raise
    best = next((m for m in result.history if m.epoch == result.best_epoch), None)
    metrics = {
        "val_auc": result.best_auc,
        "best_epoch": result.best_epoch,
        "val_recall": best.val_recall if best else None,
        "val_false_positive_rate": best.val_false_positive_rate if best else None,
        "val_loss": best.val_loss if best else None,
        "threshold": config.threshold,
        "train_examples": len(train_set),
        "val_examples": len(val_set),
        "excluded_too_long": len(excluded),
        "global_step": result.global_step,
        "resumed_from_step": result.resumed_from_step,
        "train_examples_per_second": result.examples_per_second,
    }
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.metrics_history = [dataclasses.asdict(m) for m in result.history]
        run.progress = {**run.progress, "global_step": result.global_step, "stopped": False}
        run.save(update_fields=["status", "finished_at", "metrics_history", "progress"])
        ClassifierVersion.objects.filter(pk=version.pk).update(
            artifact_uri=artifact_uri, status=VersionStatus.READY, metrics=metrics
        )
        if options["promote"]:
            classifier_version_promote(version=ClassifierVersion.objects.get(pk=version.pk))
    shutil.rmtree(
        training_run_dir(run) / "best", ignore_errors=True
    )  # stored; the checkpoint stays for audit
    return run


def _fail(run_id: int, exc: BaseException) -> None:
    with transaction.atomic():
        TrainingRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error="".join(traceback.format_exception_only(type(exc), exc)).strip(),
        )
        ClassifierVersion.objects.filter(training_run__pk=run_id).update(status=VersionStatus.FAILED)
