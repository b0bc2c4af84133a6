"""Managers' decisions on submitted work, and blocking a contractor."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from gauntlet.accounts.models import Qualification, User
from gauntlet.accounts.services import contractor_set_qualification
from gauntlet.errors import Invalid
from gauntlet.workqueue import registry
from gauntlet.workqueue.exceptions import AssignmentConflict
from gauntlet.workqueue.models import Assignment, AssignmentStatus, ItemState, WorkItem
from gauntlet.workqueue.services.leases import leases_end

_REVIEWED = (AssignmentStatus.APPROVED, AssignmentStatus.REJECTED)


def _review_locked(*, assignment: Assignment, approved: bool, reviewer: User | None, note: str) -> Assignment:
    target = AssignmentStatus.APPROVED if approved else AssignmentStatus.REJECTED
    if assignment.status == target:
        return assignment  # a retried review: nothing changes, nobody is notified again
    if assignment.status in _REVIEWED:
        raise AssignmentConflict(
            "already_reviewed",
            f"Assignment {assignment.pk} was already {assignment.status}; a review decision is final.",
        )
    if assignment.status != AssignmentStatus.SUBMITTED:
        raise AssignmentConflict(
            "not_submitted",
            f"Assignment {assignment.pk} is {assignment.status}: only submitted work can be reviewed.",
        )
    assignment.status = target
    assignment.reviewed_by = reviewer
    assignment.reviewed_at = timezone.now()
    assignment.review_note = note
    assignment.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    if not approved:
        # The judgment no longer counts: the item wants one more, from someone else.
        item = WorkItem.objects.select_for_update().get(pk=assignment.item_id)
        item.judgments_received -= 1
        if item.state == ItemState.COMPLETE:
            item.state = ItemState.OPEN
            item.completed_at = None
        item.save(update_fields=["judgments_received", "state", "completed_at"])
        assignment.item = item
        registry.get_kind(assignment.queue.kind).on_assignment_rejected(assignment=assignment)
    registry.notify_reviewed(assignment)
    return assignment


@transaction.atomic
def assignment_review(
    *, assignment: Assignment, approved: bool, reviewer: User | None, note: str = ""
) -> Assignment:
    """Approve or reject a submitted assignment (``reviewer`` None = auto-approval).

    Rejection takes the judgment off the item (reopening it if it was complete) and
    calls ``kind.on_assignment_rejected``; every actual change calls
    ``registry.notify_reviewed``. Idempotent: repeating the same decision returns the
    assignment unchanged and notifies nobody; the opposite decision is a 409.
    """
    locked = Assignment.objects.select_for_update(of=("self",)).select_related("queue").get(pk=assignment.pk)
    return _review_locked(assignment=locked, approved=approved, reviewer=reviewer, note=note)


@transaction.atomic
def assignments_review_bulk(
    *, assignment_ids: list[int], approved: bool, reviewer: User | None, note: str = ""
) -> list[Assignment]:
    """Review many assignments at once: all of them or none (an unknown id or a
    conflicting earlier decision rolls the whole batch back).

    Locks in the engine's one order (``leases.py``): the assignments in id order, then, for a
    rejection, every item they judged in id order, up front. Taking each item as its assignment
    came up deadlocked against the lease sweeper, which locks the same items in id order."""
    wanted = sorted(set(assignment_ids))
    locked = list(
        Assignment.objects.select_for_update(of=("self",))
        .select_related("queue")
        .filter(pk__in=wanted)
        .order_by("id")
    )
    missing = sorted(set(wanted) - {a.pk for a in locked})
    if missing:
        raise Invalid.in_fields({"assignment_ids": [f"No such assignments: {', '.join(map(str, missing))}."]})
    if not approved:
        items = WorkItem.objects.select_for_update().filter(pk__in={a.item_id for a in locked})
        list(items.order_by("id").values_list("id", flat=True))
    return [_review_locked(assignment=a, approved=approved, reviewer=reviewer, note=note) for a in locked]


@transaction.atomic
def contractor_block(*, contractor: User, by: User | None, note: str = "") -> None:
    """Block a contractor from every queue and release their open leases (the items
    go back to their queues at once). Idempotent."""
    if not contractor.is_contractor or not hasattr(contractor, "contractor_profile"):
        raise Invalid("not_a_contractor", "Only contractors can be blocked.")
    reason = note or (f"blocked by {by.email}" if by is not None else "blocked")
    # Blocking notifies the standing listeners, among them contractor_leases_release below.
    contractor_set_qualification(
        contractor=contractor, qualification=Qualification.BLOCKED, note=reason, actor=by
    )
    contractor_leases_release(contractor)


@transaction.atomic
def contractor_leases_release(contractor: User) -> int:
    """Give back every open lease of ``contractor`` (the items return to their queues at once);
    returns how many. The ``accounts.standing`` listener for a contractor who may no longer work
    (registered in ``WorkqueueConfig.ready``), so every way of blocking or deactivating someone
    releases their work. Idempotent."""
    leased = list(
        Assignment.objects.select_for_update()
        .filter(contractor=contractor, status=AssignmentStatus.LEASED)
        .order_by("id")
        .values_list("id", "item_id")
    )
    leases_end(rows=leased, status=AssignmentStatus.RELEASED)
    return len(leased)
