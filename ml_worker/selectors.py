"""Reads of classifier versions, scores and training data (querysets and plain values)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from labeling.models import Example
from ml_worker.models import (
    LOADABLE_STATUSES,
    ClassifierVersion,
    Score,
    TrainingRun,
    Unscorable,
    VersionStatus,
)


def classifier_version_list() -> QuerySet[ClassifierVersion]:
    return ClassifierVersion.objects.select_related("parent", "created_by").order_by("-id")


def classifier_version_active() -> ClassifierVersion | None:
    return ClassifierVersion.objects.filter(status=VersionStatus.ACTIVE).first()


def classifier_version_loadable(*, version_id: int) -> ClassifierVersion | None:
    """The version if it exists and has a finished artifact; None otherwise."""
    return ClassifierVersion.objects.filter(pk=version_id, status__in=LOADABLE_STATUSES).first()


def examples_unscored(*, version: ClassifierVersion) -> QuerySet[Example]:
    """Examples without a score from ``version``, oldest first; those ``version`` is known not to be
    able to score (:class:`Unscorable`) are left out, so they are never retried."""
    scored = Score.objects.filter(example=OuterRef("pk"), classifier_version=version)
    refused = Unscorable.objects.filter(example=OuterRef("pk"), classifier_version=version)
    return Example.objects.filter(~Exists(scored), ~Exists(refused)).order_by("id")


def training_run_get(*, run_id: int) -> TrainingRun | None:
    return TrainingRun.objects.select_related("version").filter(pk=run_id).first()
