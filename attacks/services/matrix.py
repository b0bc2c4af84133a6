"""The robustness matrix: every adversarial example re-scored by every classifier version."""

from __future__ import annotations

from django.db import transaction
from django.db.models import BooleanField, Case, Value, When
from django.utils import timezone

from attacks import scoring
from attacks.models import AdversarialEvaluation, AdversarialExample
from ml_worker.core.passing import passes, passes_lookup
from ml_worker.models import LOADABLE_STATUSES, ClassifierVersion


def adversarial_matrix_refresh(*, version_ids: list[int] | None = None) -> int:
    """Write the missing (adversarial example, version) evaluations and re-derive ``passes`` where a
    version's threshold changed. Returns how many rows it wrote or changed.

    Idempotent: pairs already evaluated are not scored again (a score never changes for a
    version; only its threshold can).
    """
    versions = ClassifierVersion.objects.filter(status__in=LOADABLE_STATUSES).exclude(artifact_uri="")
    if version_ids is not None:
        versions = versions.filter(pk__in=version_ids)
    changed = 0
    for version in versions.order_by("id"):
        stale = AdversarialEvaluation.objects.filter(classifier_version=version).exclude(
            threshold=version.threshold
        )
        t = version.threshold
        changed += stale.update(  # update() skips auto_now: evaluated_at is set here
            threshold=t,
            passes=Case(
                When(**{passes_lookup("score"): t}, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            evaluated_at=timezone.now(),
        )
        missing = list(
            AdversarialExample.objects.exclude(evaluations__classifier_version=version)
            .select_related("example")
            .order_by("id")
        )
        if not missing:
            continue
        scores = scoring.texts_score(
            version=version, pairs=[(a.example.prompt, a.example.completion) for a in missing]
        )
        rows = [
            AdversarialEvaluation(
                adversarial_example=adversarial,
                classifier_version=version,
                score=score,
                threshold=version.threshold,
                passes=passes(score, version.threshold),
            )
            for adversarial, score in zip(missing, scores, strict=True)
            if score is not None
        ]
        with transaction.atomic():
            AdversarialEvaluation.objects.bulk_create(rows, ignore_conflicts=True)
        changed += len(rows)
    return changed
