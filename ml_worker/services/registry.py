"""The classifier registry: register, promote, set thresholds, bootstrap the baseline."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.audit.actions import AuditAction
from gauntlet.audit.services import audit_record
from gauntlet.common import storage
from gauntlet.common.enqueue import task_send_on_commit
from gauntlet.errors import Conflict, Invalid
from ml_worker.models import LOADABLE_STATUSES, ClassifierVersion, VersionStatus

BASELINE_NAME = "baseline-minilm"


def version_storage_prefix(version: ClassifierVersion) -> str:
    return f"checkpoints/versions/{version.pk}"


def classifier_base_path() -> Path:
    """The backbone new classifiers start from: GAUNTLET_CLASSIFIER_BASE, else the bundled MiniLM."""
    if settings.GAUNTLET_CLASSIFIER_BASE:
        return Path(settings.GAUNTLET_CLASSIFIER_BASE)
    from ml_worker.core.classifier import default_backbone_path

    return default_backbone_path()


@transaction.atomic
def classifier_version_register(
    *,
    name: str,
    artifact_uri: str,
    base_model: str,
    threshold: float | None = None,
    metrics: dict | None = None,
    created_by: User | None = None,
    parent: ClassifierVersion | None = None,
) -> ClassifierVersion:
    """Record an existing checkpoint (local dir, file:// or s3://) as a ready version."""
    if ClassifierVersion.objects.filter(name=name).exists():
        raise Conflict("duplicate_name", f"A classifier version named {name!r} already exists.")
    return ClassifierVersion.objects.create(
        name=name,
        artifact_uri=artifact_uri,
        base_model=base_model,
        parent=parent,
        status=VersionStatus.READY,
        threshold=settings.GAUNTLET_DEFAULT_THRESHOLD if threshold is None else threshold,
        metrics=metrics or {},
        created_by=created_by,
    )


@transaction.atomic
def classifier_version_promote(
    *, version: ClassifierVersion, rescore: bool = True, actor: User | None = None, note: str = ""
) -> ClassifierVersion:
    """Make ``version`` the one active classifier; retire the previous one.

    Side effects: an audit record (``classifier.promote``: which version was active before) in the
    same transaction; on commit, a re-score of every example by the new version (``rescore_all``).
    Promoting the active version again does nothing.
    """
    version = ClassifierVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.ACTIVE:
        return version
    if version.status not in LOADABLE_STATUSES:
        raise Conflict(
            "not_promotable",
            f"Version {version.name} is {version.status}; only a ready or retired version can be promoted.",
        )
    # Lock the current active row so two concurrent promotions serialise; the
    # partial unique index is the last line of defence.
    previous = list(
        ClassifierVersion.objects.select_for_update()
        .filter(status=VersionStatus.ACTIVE)
        .values_list("name", flat=True)
    )
    ClassifierVersion.objects.filter(status=VersionStatus.ACTIVE).update(status=VersionStatus.RETIRED)
    version.status = VersionStatus.ACTIVE
    version.promoted_at = timezone.now()
    version.save(update_fields=["status", "promoted_at"])
    audit_record(
        action=AuditAction.CLASSIFIER_PROMOTE,
        subject=version,
        actor=actor,
        before={"active_version": previous[0] if previous else None},
        after={"active_version": version.name},
        note=note,
    )
    if rescore:
        task_send_on_commit("ml_worker.tasks.rescore_all", version.pk)
    return version


@transaction.atomic
def classifier_version_set_threshold(
    *, version: ClassifierVersion, threshold: float, actor: User | None = None, note: str = ""
) -> ClassifierVersion:
    """Set the version's threshold (the passing rule's bound, applied at once to open rewrite sessions);
    writes a ``classifier.threshold`` audit record with the old and new value in the same transaction."""
    if not 0.0 <= threshold <= 1.0:
        raise Invalid("invalid_threshold", "The threshold is a probability: between 0 and 1.")
    version = ClassifierVersion.objects.select_for_update().get(pk=version.pk)
    before = version.threshold
    version.threshold = threshold
    version.save(update_fields=["threshold"])
    audit_record(
        action=AuditAction.CLASSIFIER_THRESHOLD,
        subject=version,
        actor=actor,
        before={"threshold": before},
        after={"threshold": threshold},
        note=note,
    )
    return version


def classifier_bootstrap(*, seed: int = 0) -> ClassifierVersion:
    """Register the bundled backbone with a fresh seeded head as ``baseline-minilm``; promote it if
    nothing is active.

    Idempotent: an existing ``baseline-minilm`` is reused, never rebuilt. Side
    effect: writes the checkpoint to artifact storage.
    """
    version = ClassifierVersion.objects.filter(name=BASELINE_NAME).first()
    if version is None:
        from ml_worker.core.classifier import InjuryClassifier

        base = classifier_base_path()
        clf = InjuryClassifier.from_backbone(base, device="cpu", seed=seed)
        with transaction.atomic():
            version = ClassifierVersion.objects.create(
                name=BASELINE_NAME,
                base_model=str(base),
                status=VersionStatus.TRAINING,
                threshold=settings.GAUNTLET_DEFAULT_THRESHOLD,
                train_config={"seed": seed, "head": "fresh"},
            )
        with tempfile.TemporaryDirectory() as tmp:
            clf.save(tmp)
            uri = storage.save_dir(version_storage_prefix(version), Path(tmp))
        version.artifact_uri = uri
        version.status = VersionStatus.READY
        version.save(update_fields=["artifact_uri", "status"])
    if not ClassifierVersion.objects.filter(status=VersionStatus.ACTIVE).exists():
        version = classifier_version_promote(version=version)
    return version
