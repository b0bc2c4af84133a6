"""Classifier versions, the scores they gave, and the training runs that made them.

Provenance is the point of these rows: every :class:`Score` names the
:class:`ClassifierVersion` that produced it, and every version records the
exact training data it saw (``data_snapshot`` + ``data_hash``) and the run
that trained it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class VersionStatus(models.TextChoices):
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
    FAILED = "failed", "Failed"


# Versions whose artifact exists and can be loaded for scoring.
LOADABLE_STATUSES = (VersionStatus.READY, VersionStatus.ACTIVE, VersionStatus.RETIRED)


class ClassifierVersion(models.Model):
    name = models.CharField(max_length=100, unique=True)
    artifact_uri = models.CharField(
        max_length=1000, blank=True, help_text="Local path, file:// or s3:// prefix of the HF checkpoint."
    )
    base_model = models.CharField(max_length=1000, help_text="What training started from (URI or name).")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.TRAINING)
    threshold = models.FloatField(help_text="Reject a completion when P(injurious) >= threshold.")
    metrics = models.JSONField(default=dict, blank=True)
    data_snapshot = models.JSONField(
        default=dict, blank=True, help_text="Example ids with their labels, counts and the labels hash."
    )
    data_hash = models.CharField(max_length=64, blank=True)
    train_config = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # Exactly one active version at a time: the database refuses a second one.
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="classifier_one_active"
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0.0) & models.Q(threshold__lte=1.0),
                name="classifier_threshold_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"classifier {self.name} ({self.status})"


class Score(models.Model):
    """P(injurious) of one example under one classifier version."""

    example = models.ForeignKey("labeling.Example", on_delete=models.CASCADE, related_name="scores")
    classifier_version = models.ForeignKey(ClassifierVersion, on_delete=models.PROTECT, related_name="scores")
    content_hash = models.CharField(max_length=64)
    probability = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["example", "classifier_version"], name="score_once_per_version"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            # The cache lookup: has this text already been scored by this version?
            models.Index(fields=["classifier_version", "content_hash"], name="score_version_hash"),
        ]

    def __str__(self) -> str:
        return f"score {self.probability:.3f} of example {self.example_id} by v{self.classifier_version_id}"


class Unscorable(models.Model):
    """An example one classifier version cannot score, and why (a completion over its token limit).

    The scorer records the refusal once and never retries the pair (the text of an example never
    changes, and a version's limit is fixed); a manager sees the reason next to the example."""

    example = models.ForeignKey("labeling.Example", on_delete=models.CASCADE, related_name="refusals")
    classifier_version = models.ForeignKey(ClassifierVersion, on_delete=models.CASCADE, related_name="+")
    content_hash = models.CharField(max_length=64)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["example", "classifier_version"], name="unscorable_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"example {self.example_id} unscorable by v{self.classifier_version_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class TrainingRun(models.Model):
    """One fine-tuning job producing ``version``; resumable from ``checkpoint_uri``."""

    version = models.OneToOneField(ClassifierVersion, on_delete=models.CASCADE, related_name="training_run")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    celery_task_id = models.CharField(max_length=255, blank=True)
    checkpoint_uri = models.CharField(max_length=1000, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    metrics_history = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker started this run.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"training run {self.pk} ({self.status})"


# Reliability's nouns live in their own module; imported here so Django registers them with the app.
from ml_worker.reliability.models import (  # noqa: E402
    EvaluationSet,
    EvaluationSetMember,
    GeneratedSample,
    GenerationBatch,
    ThresholdDecision,
    ThresholdSweep,
)

__all__ = [
    "LOADABLE_STATUSES",
    "ClassifierVersion",
    "EvaluationSet",
    "EvaluationSetMember",
    "GeneratedSample",
    "GenerationBatch",
    "RunStatus",
    "Score",
    "ThresholdDecision",
    "ThresholdSweep",
    "TrainingRun",
    "Unscorable",
    "VersionStatus",
]
