"""Reads of the work-queue engine: what a contractor may claim, progress, history."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User
from gauntlet.workqueue.models import (
    JUDGED_STATUSES,
    Assignment,
    AssignmentStatus,
    ItemState,
    Queue,
    QueueState,
    WorkItem,
)

# Statuses that mean "this contractor has (or had) this item": never offer it to them again.
HELD_STATUSES = (AssignmentStatus.LEASED, *JUDGED_STATUSES)


def claim_refusal(
    *, queue: Queue, contractor: User, profile: ContractorProfile | None
) -> tuple[str, str] | None:
    """Why ``contractor`` may not claim from ``queue`` as ``(code, message)``, or None if they may."""
    if contractor.role != Role.CONTRACTOR:
        return "not_a_contractor", "Only contractors claim tasks."
    if profile is None:
        return "no_profile", "Your account has no contractor profile; ask a manager to set it up."
    if not profile.is_active:
        return "inactive", "Your contractor account is inactive; ask a manager to reactivate it."
    if profile.qualification == Qualification.BLOCKED:
        return "blocked", "Your contractor account is blocked from all queues."
    if profile.qualification not in (queue.eligible_qualifications or []):
        allowed = ", ".join(queue.eligible_qualifications or []) or "nobody"
        return (
            "not_qualified",
            f"This queue admits contractors whose qualification is {allowed}; yours is {profile.qualification}.",
        )
    if queue.state != QueueState.OPEN:
        return "queue_not_open", f"This queue is {queue.state}, not open: it hands out no tasks now."
    return None


def _claimable_by(contractor: User) -> QuerySet[WorkItem]:
    """Open items with a free slot that ``contractor`` did not author and does not hold
    or judge (the filter is written exactly as the partial index ``workitem_claimable``
    states it, so PostgreSQL walks that index and never visits full items)."""
    return (
        WorkItem.objects.filter(
            state=ItemState.OPEN,
            judgments_received__lt=F("judgments_wanted") - F("active_leases"),
        )
        .filter(Q(author__isnull=True) | ~Q(author=contractor))
        .filter(
            ~Exists(
                Assignment.objects.filter(
                    item=OuterRef("pk"), contractor=contractor, status__in=HELD_STATUSES
                )
            )
        )
    )


def contractor_open_assignments(*, contractor: User) -> QuerySet[Assignment]:
    """Leased assignments whose lease has not run out (expired-but-unswept ones are not open)."""
    return (
        Assignment.objects.filter(
            contractor=contractor, status=AssignmentStatus.LEASED, lease_expires_at__gt=timezone.now()
        )
        .select_related("item", "queue")
        .order_by("id")
    )


def contractor_history(*, contractor: User) -> QuerySet[Assignment]:
    """Everything the contractor submitted, newest first (gold answers are not part of it)."""
    return (
        Assignment.objects.filter(contractor=contractor, status__in=JUDGED_STATUSES)
        .select_related("queue")
        .order_by("-submitted_at", "-id")
    )


def contractor_gold_accuracy(*, contractor: User, queue: Queue | None = None) -> dict[str, Any]:
    """``{"scored", "correct", "accuracy"}`` over the contractor's scored gold assignments
    (accuracy is None until one is scored)."""
    qs = Assignment.objects.filter(contractor=contractor, gold_correct__isnull=False)
    if queue is not None:
        qs = qs.filter(queue=queue)
    figures = qs.aggregate(scored=Count("id"), correct=Count("id", filter=Q(gold_correct=True)))
    scored, correct = figures["scored"], figures["correct"]
    return {"scored": scored, "correct": correct, "accuracy": (correct / scored) if scored else None}


def assignment_for_contractor(*, assignment_id: int, contractor: User) -> Assignment | None:
    """The contractor's own assignment, or None: someone else's is indistinguishable from a missing one."""
    return (
        Assignment.objects.select_related("item", "queue")
        .filter(pk=assignment_id, contractor=contractor)
        .first()
    )


def queue_list() -> QuerySet[Queue]:
    return Queue.objects.all().order_by("-priority", "id")


def queues_for_contractor(*, contractor: User) -> list[dict[str, Any]]:
    """Open queues the contractor is eligible for, each with how many items they could claim now."""
    profile = ContractorProfile.objects.filter(user=contractor).first()
    queues = [
        q
        for q in Queue.objects.filter(state=QueueState.OPEN).order_by("-priority", "id")
        if claim_refusal(queue=q, contractor=contractor, profile=profile) is None
    ]
    available = dict(
        _claimable_by(contractor)
        .filter(queue__in=queues)
        .values("queue")
        .annotate(n=Count("id"))
        .values_list("queue", "n")
    )
    return [{"queue": queue, "available": available.get(queue.pk, 0)} for queue in queues]


def queue_progress(*, queue: Queue) -> dict[str, Any]:
    """Items by state, judgments, leases, active contractors and median active seconds per task."""
    now = timezone.now()
    by_state = dict(queue.items.values_list("state").annotate(n=Count("id")).order_by())
    assignments = Assignment.objects.filter(queue=queue)
    by_status = dict(assignments.values_list("status").annotate(n=Count("id")).order_by())
    items = queue.items.filter(is_gold=False)
    sums = items.aggregate(wanted=Sum("judgments_wanted"), received=Sum("judgments_received"))
    active_contractors = (
        assignments.filter(status=AssignmentStatus.LEASED, lease_expires_at__gt=now)
        .values("contractor")
        .distinct()
        .count()
    )
    seconds = list(
        assignments.filter(status__in=JUDGED_STATUSES)
        .exclude(status=AssignmentStatus.REJECTED)
        .values_list("active_seconds", flat=True)
    )
    return {
        "items_by_state": {state: by_state.get(state, 0) for state in ItemState.values},
        "gold_items": queue.items.filter(is_gold=True).count(),
        "assignments_by_status": {s: by_status.get(s, 0) for s in AssignmentStatus.values},
        "judgments_wanted": sums["wanted"] or 0,
        "judgments_received": sums["received"] or 0,
        "active_contractors": active_contractors,
        "median_active_seconds": statistics.median(seconds) if seconds else None,
    }
