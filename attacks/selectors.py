"""Reads of the attacks app: sessions, submissions, the registry, the matrix, batch counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from attacks.models import (
    AdversarialEvaluation,
    AdversarialExample,
    AttackSubmission,
    CandidateStatus,
    ParaphraseBatch,
    RewriteSession,
)
from gauntlet.accounts.models import User
from gauntlet.payments.models import LedgerEntry
from ml_worker.models import ClassifierVersion


def rewrite_session_for_contractor(*, session_id: int, contractor: User) -> RewriteSession | None:
    """The contractor's own session; someone else's is indistinguishable from a missing one."""
    return (
        RewriteSession.objects.select_related("seed", "classifier_version", "assignment")
        .filter(pk=session_id, contractor=contractor)
        .first()
    )


def attack_submissions_for_author(*, author: User) -> QuerySet[AttackSubmission]:
    return (
        AttackSubmission.objects.filter(author=author)
        .select_related("example", "classifier_version", "session")
        .order_by("-id")
    )


def adversarial_example_list(*, filters: dict[str, Any]) -> QuerySet[AdversarialExample]:
    """Filter by ``round``, ``classifier_version`` (id), ``source``, ``author`` (id)."""
    queryset = AdversarialExample.objects.select_related("example", "classifier_version", "author").order_by(
        "-id"
    )
    if filters.get("round"):
        queryset = queryset.filter(round=filters["round"])
    if filters.get("classifier_version"):
        queryset = queryset.filter(classifier_version_id=filters["classifier_version"])
    if filters.get("source"):
        queryset = queryset.filter(source=filters["source"])
    if filters.get("author"):
        queryset = queryset.filter(author_id=filters["author"])
    return queryset


def adversarial_matrix() -> dict[str, Any]:
    """Rows = attacked version, columns = evaluating version, cell = fraction still passing (and n)."""
    versions = {v.pk: v.name for v in ClassifierVersion.objects.order_by("id")}
    cells: dict[tuple[int, int], list[int]] = {}
    for attacked, evaluated, passes in AdversarialEvaluation.objects.values_list(
        "adversarial_example__classifier_version_id", "classifier_version_id", "passes"
    ):
        cell = cells.setdefault((attacked, evaluated), [0, 0])
        cell[0] += int(passes)
        cell[1] += 1
    attacked_ids = sorted(set(AdversarialExample.objects.values_list("classifier_version_id", flat=True)))
    evaluated_ids = sorted({e for _, e in cells})
    rows = []
    for attacked in attacked_ids:
        row = []
        for evaluated in evaluated_ids:
            passing, n = cells.get((attacked, evaluated), [0, 0])
            row.append(
                {"evaluated": versions[evaluated], "n": n, "still_passing": passing / n if n else None}
            )
        rows.append({"attacked": versions[attacked], "cells": row})
    return {"columns": [versions[e] for e in evaluated_ids], "rows": rows}


def paraphrase_batch_counts(*, batch: ParaphraseBatch) -> dict[str, Any]:
    """generated, duplicates, passed the classifier, verified injurious, failed, and the verification cost."""
    candidates = batch.candidates.exclude(completion="")
    submissions = AttackSubmission.objects.filter(candidate__batch=batch)
    item_ids = list(submissions.values_list("verification_item_id", flat=True))
    cost = LedgerEntry.objects.filter(assignment__item_id__in=item_ids).aggregate(total=Sum("amount"))[
        "total"
    ]
    return {
        "generated": candidates.count(),
        "duplicates": candidates.filter(status=CandidateStatus.DUPLICATE).count(),
        "passed_classifier": candidates.filter(status=CandidateStatus.PASSED).count(),
        "verified_injurious": submissions.filter(status="verified").count(),
        "failed_verification": submissions.filter(status="failed").count(),
        "cost": str(cost or Decimal("0")),
    }
