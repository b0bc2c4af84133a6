"""A contractor's own assignment: heartbeat, release, submit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gauntlet.accounts.models import Qualification, User
from gauntlet.workqueue import registry
from gauntlet.workqueue.exceptions import AssignmentConflict, AssignmentNotFound, ClaimRefused, LeaseExpired
from gauntlet.workqueue.models import (
    JUDGED_STATUSES,
    ActivityClock,
    Assignment,
    AssignmentStatus,
    ItemState,
)
from gauntlet.workqueue.services.leases import leases_end


def heartbeat_cap_seconds() -> int:
    return int(settings.WORKQUEUE_HEARTBEAT_CAP_SECONDS)


def _lock_own(*, assignment: Assignment, contractor: User, lock_item: bool = False) -> Assignment:
    """The assignment row locked (and its item's, if asked: one query), if it is the
    contractor's; else 404 (someone else's assignment is indistinguishable from a missing one)."""
    locked = (
        Assignment.objects.select_for_update(of=("self", "item") if lock_item else ("self",))
        .select_related("queue", "item")
        .filter(pk=assignment.pk, contractor_id=contractor.pk)
        .first()
    )
    if locked is None:
        raise AssignmentNotFound()
    return locked


def _end_lease(*, assignment: Assignment, status: str) -> None:
    """Leased → released/expired, giving the item its slot back."""
    leases_end(rows=[(assignment.pk, assignment.item_id)], status=status)
    assignment.status = status


def _counted_seconds(*, assignment: Assignment, now: datetime) -> int:
    """Active time since the last heartbeat (or the claim), capped so an idle tab bills nothing extra,
    and counted once per person: never time the contractor's clock already counted on another lease.

    Locks the contractor's :class:`ActivityClock` row (created on first use) and moves it past what
    it counted, so concurrent heartbeats of one contractor's N leases count the real time once between
    them. Whole seconds are counted and the clock moves by exactly those: the fraction left over is
    counted by the next heartbeat (rounding each one paid a script beating every 0.6 s 1 s a beat).
    """
    since = assignment.last_heartbeat_at or assignment.claimed_at
    ActivityClock.objects.bulk_create(
        [ActivityClock(contractor_id=assignment.contractor_id, counted_until=since)], ignore_conflicts=True
    )
    clock = ActivityClock.objects.select_for_update().get(pk=assignment.contractor_id)
    start = max(since, clock.counted_until)
    if clock.counted_until < since <= clock.counted_until + timedelta(seconds=1):
        start = clock.counted_until  # the fraction of a second the last count left over
    elapsed = max((now - start).total_seconds(), 0.0)
    cap = heartbeat_cap_seconds()
    counted = cap if elapsed >= cap else int(elapsed)
    counted_until = now if elapsed >= cap else start + timedelta(seconds=counted)  # idle past the cap: gone
    if counted_until > clock.counted_until:
        clock.counted_until = counted_until
        clock.save(update_fields=["counted_until"])
    return counted


def _standing_refusal(contractor: User) -> ClaimRefused | None:
    """Why this contractor may not work right now (blocked or inactive), read fresh from the
    database (the request's cached user may predate a block), or None if they may."""
    user_active, profile_active, qualification = (
        User.objects.filter(pk=contractor.pk)
        .values_list("is_active", "contractor_profile__is_active", "contractor_profile__qualification")
        .first()
    ) or (False, None, None)
    if not user_active or profile_active is False:
        return ClaimRefused(
            "inactive", "Your contractor account is inactive; this task went back to its queue."
        )
    if qualification == Qualification.BLOCKED:
        return ClaimRefused(
            "blocked", "Your contractor account is blocked; this task went back to its queue."
        )
    return None


def _refuse_stopped(*, assignment: Assignment, contractor: User) -> ClaimRefused | None:
    """A blocked or inactive contractor's lease is given back (committed by the caller before it
    raises the returned refusal): blocked means blocked, even where a block bypassed the services."""
    refusal = _standing_refusal(contractor)
    if refusal is not None and assignment.status == AssignmentStatus.LEASED:
        _end_lease(assignment=assignment, status=AssignmentStatus.RELEASED)
    return refusal


def _require_live_lease(*, assignment: Assignment, now: datetime) -> datetime | None:
    """Raise 409 unless leased. If the lease ran out, expire it now and return when it
    expired, so the caller raises :class:`LeaseExpired` *after* committing the expiry."""
    if assignment.status != AssignmentStatus.LEASED:
        raise AssignmentConflict(
            "not_leased", f"This assignment is {assignment.status}, not leased to you any more; claim again."
        )
    if assignment.lease_expires_at <= now:
        _end_lease(assignment=assignment, status=AssignmentStatus.EXPIRED)
        return assignment.lease_expires_at
    return None


def _lease_renewed_until(*, assignment: Assignment, now: datetime, active: bool) -> datetime:
    """How far a heartbeat pushes the lease: a full lease length from now, except that an idle one
    never past ``WORKQUEUE_MAX_IDLE_SECONDS`` after the last active heartbeat (or the claim), so a
    tab left open cannot hold a task forever."""
    renewed = now + timedelta(seconds=assignment.queue.lease_seconds)
    if active:
        return renewed
    last_active = assignment.last_active_at or assignment.claimed_at
    return min(renewed, last_active + timedelta(seconds=int(settings.WORKQUEUE_MAX_IDLE_SECONDS)))


def assignment_heartbeat(*, assignment: Assignment, contractor: User, active: bool = True) -> Assignment:
    """Record client activity: adds the time since the last heartbeat (capped at
    ``WORKQUEUE_HEARTBEAT_CAP_SECONDS``; nothing when ``active`` is False, an idle tab)
    and extends the lease to a full lease length from now; an idle heartbeat extends it only
    up to ``WORKQUEUE_MAX_IDLE_SECONDS`` after the last active one, then it runs out. 409 if
    the lease ran out (it is expired in the same call) or the assignment is no longer leased;
    403 ``blocked`` / ``inactive`` for a contractor who may not work (the lease is released in
    the same call)."""
    with transaction.atomic():
        locked = _lock_own(assignment=assignment, contractor=contractor)
        refusal = _refuse_stopped(assignment=locked, contractor=contractor)
        if refusal is None:
            now = timezone.now()
            expired_at = _require_live_lease(assignment=locked, now=now)
            if expired_at is None:
                if active:
                    locked.active_seconds += _counted_seconds(assignment=locked, now=now)
                    locked.last_active_at = now
                locked.last_heartbeat_at = now
                locked.lease_expires_at = max(
                    locked.lease_expires_at, _lease_renewed_until(assignment=locked, now=now, active=active)
                )
                locked.save(
                    update_fields=[
                        "active_seconds",
                        "last_active_at",
                        "last_heartbeat_at",
                        "lease_expires_at",
                    ]
                )
                return locked
    if refusal is not None:
        raise refusal
    raise LeaseExpired(cast(datetime, expired_at))  # set: the lease ran out in the block above


@transaction.atomic
def assignment_release(*, assignment: Assignment, contractor: User) -> Assignment:
    """Give the task back unfinished; the item returns to the queue. Idempotent:
    releasing a released or expired assignment returns it unchanged. 409 after submit."""
    locked = _lock_own(assignment=assignment, contractor=contractor)
    if locked.status in (AssignmentStatus.RELEASED, AssignmentStatus.EXPIRED):
        return locked
    if locked.status != AssignmentStatus.LEASED:
        raise AssignmentConflict("already_submitted", "This assignment was submitted; it cannot be released.")
    _end_lease(assignment=locked, status=AssignmentStatus.RELEASED)
    return locked


def assignment_submit(*, assignment: Assignment, contractor: User, data: dict[str, Any]) -> Assignment:
    """Submit the contractor's judgment.

    Validates ``data`` through the kind's handler (``ValidationError`` → 400), stores
    the result, scores gold items, counts the judgment on the item (completing it
    and calling ``kind.on_item_complete`` when it reaches ``judgments_wanted``),
    then calls ``kind.on_submit`` and ``registry.notify_submitted``.

    Idempotent: a retried submit of an already submitted (or reviewed) assignment
    returns it as it is and writes nothing, running no hook again. A lease that ran
    out (even if the sweeper has not run) is expired in this call and answered with
    :class:`LeaseExpired` (409). A blocked or inactive contractor gets :class:`ClaimRefused`
    (403 ``blocked`` / ``inactive``) and the lease goes back to the queue.
    """
    with transaction.atomic():
        locked = _lock_own(assignment=assignment, contractor=contractor, lock_item=True)
        if locked.status in JUDGED_STATUSES:
            return locked
        refusal = _refuse_stopped(assignment=locked, contractor=contractor)
        if refusal is None:
            now = timezone.now()
            expired_at = _require_live_lease(assignment=locked, now=now)
            if expired_at is None:
                _record_submission(assignment=locked, data=data, now=now)
                return locked
    if refusal is not None:
        raise refusal
    raise LeaseExpired(cast(datetime, expired_at))  # set: the lease ran out in the block above


def _record_submission(*, assignment: Assignment, data: dict[str, Any], now: datetime) -> None:
    kind = registry.get_kind(assignment.queue.kind)
    result = kind.validate_submission(assignment=assignment, data=data)
    item = assignment.item  # locked with the assignment
    item.queue = assignment.queue  # loaded with it: hooks reading item.queue cost no query
    assignment.result = result
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = now
    assignment.active_seconds += _counted_seconds(assignment=assignment, now=now)
    assignment.last_heartbeat_at = now
    if item.is_gold:
        assignment.gold_correct = kind.gold_correct(item=item, result=result)
    assignment.save(
        update_fields=[
            "result",
            "status",
            "submitted_at",
            "active_seconds",
            "last_heartbeat_at",
            "gold_correct",
        ]
    )
    kind.on_submit(assignment=assignment, result=result)

    item.active_leases -= 1
    item.judgments_received += 1
    if item.state == ItemState.OPEN and item.judgments_received >= item.judgments_wanted:
        item.state = ItemState.COMPLETE
        item.completed_at = now
        kind.on_item_complete(item=item)
        if item.judgments_received < item.judgments_wanted:  # the kind asked for more judgments
            item.state = ItemState.OPEN
            item.completed_at = None
    item.save(
        update_fields=[
            "active_leases",
            "judgments_received",
            "judgments_wanted",
            "escalations",
            "state",
            "completed_at",
        ]
    )
    registry.notify_submitted(assignment)
