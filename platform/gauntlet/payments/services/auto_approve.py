"""MTurk-style auto-approval: submitted work nobody reviewed is approved after a delay.

The delay is the queue's ``auto_approve_seconds``; queues without one use
``settings.GAUNTLET_AUTO_APPROVE_SECONDS`` (None: such queues are never
auto-approved). Approval goes through the work-queue engine's
``assignment_review`` with ``reviewer=None``, so pay is written by the same
review listener as a manager's approval.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gauntlet.accounts.models import Qualification
from gauntlet.workqueue.exceptions import AssignmentConflict
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue
from gauntlet.workqueue.services import assignment_review

AUTO_APPROVE_NOTE = "auto-approved"


def _due_condition(now: dt.datetime) -> Q | None:
    """Which submitted assignments are past their queue's delay (None: no queue auto-approves)."""
    condition = Q(pk__in=[])
    delays = set(
        Queue.objects.filter(auto_approve_seconds__isnull=False).values_list(
            "auto_approve_seconds", flat=True
        )
    )
    for seconds in delays:
        condition |= Q(
            queue__auto_approve_seconds=seconds,
            submitted_at__lte=now - dt.timedelta(seconds=int(seconds or 0)),
        )
    default = getattr(settings, "GAUNTLET_AUTO_APPROVE_SECONDS", None)
    if default is not None:
        condition |= Q(
            queue__auto_approve_seconds__isnull=True, submitted_at__lte=now - dt.timedelta(seconds=default)
        )
    if not delays and default is None:
        return None
    return condition


def _held_for_review() -> Q:
    """Work of a contractor who is blocked or inactive now waits for a manager: blocked means
    blocked, and nobody is paid automatically for work a manager has reason to doubt."""
    return (
        Q(contractor__is_active=False)
        | Q(contractor__contractor_profile__is_active=False)
        | Q(contractor__contractor_profile__qualification=Qualification.BLOCKED)
    )


def assignments_auto_approve_due(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Approve up to ``limit`` submitted, unreviewed assignments whose delay has passed; return how many.

    Each approval is its own transaction, holding the assignment's row lock (the
    same lock a manager's review takes). A row a manager is reviewing right now is
    skipped (SKIP LOCKED) and re-checked next run; one a manager already decided is
    no longer ``submitted`` and is left alone. Work of a contractor who is blocked or
    inactive is held for a manager's review (never auto-approved). Idempotent: running it twice, or
    concurrently with a manager's bulk approval, approves (and pays) each
    assignment once.
    """
    now = now or timezone.now()
    condition = _due_condition(now)
    if condition is None:
        return 0
    due_ids = list(
        Assignment.objects.filter(condition, status=AssignmentStatus.SUBMITTED, reviewed_at__isnull=True)
        .exclude(_held_for_review())
        .order_by("submitted_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    approved = 0
    for assignment_id in due_ids:
        with transaction.atomic():
            locked = (
                Assignment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=assignment_id, status=AssignmentStatus.SUBMITTED, reviewed_at__isnull=True)
                .exclude(_held_for_review())  # blocked since the list was read
                .first()
            )
            if locked is None:
                continue  # a manager holds it or has decided it
            try:
                assignment_review(assignment=locked, approved=True, reviewer=None, note=AUTO_APPROVE_NOTE)
            except AssignmentConflict:
                continue
            approved += 1
    return approved
