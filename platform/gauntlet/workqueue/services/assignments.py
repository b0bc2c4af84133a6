"""A contractor's own assignment: heartbeat, release, submit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from gauntlet.accounts.models import ContractorProfile, Qualification, User
from gauntlet.common.sql import columns, fetch, instance_from_row, update_fields, writes_ride_with
from gauntlet.workqueue import registry
from gauntlet.workqueue.exceptions import AssignmentConflict, AssignmentNotFound, ClaimRefused, LeaseExpired
from gauntlet.workqueue.models import (
    JUDGED_STATUSES,
    ActivityClock,
    Assignment,
    AssignmentStatus,
    ItemState,
    Queue,
    WorkItem,
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


# The submit's first statement (PostgreSQL): the assignment and its item locked, its queue, and
# the contractor's standing read fresh, in one round trip (what _lock_own + _standing_refusal
# read in two ORM queries).
_A_FIELDS = len(Assignment._meta.concrete_fields)
_I_FIELDS = len(WorkItem._meta.concrete_fields)
_Q_FIELDS = len(Queue._meta.concrete_fields)
_LOCK_FOR_SUBMIT_SQL = f"""
    SELECT {columns(Assignment, "a")}, {columns(WorkItem, "i")}, {columns(Queue, "q")},
           u."is_active", p."is_active", p."qualification"
    FROM {Assignment._meta.db_table} a
    JOIN {WorkItem._meta.db_table} i ON i."id" = a."item_id"
    JOIN {Queue._meta.db_table} q ON q."id" = a."queue_id"
    JOIN {User._meta.db_table} u ON u."id" = a."contractor_id"
    LEFT JOIN {ContractorProfile._meta.db_table} p ON p."user_id" = a."contractor_id"
    WHERE a."id" = %s AND a."contractor_id" = %s
    FOR UPDATE OF a, i
"""  # noqa: S608 - the models' own table and column names

Standing = tuple[bool, bool | None, str | None]  # user active, profile active, qualification


def _lock_for_submit(*, assignment: Assignment, contractor: User) -> tuple[Assignment, Standing]:
    """:func:`_lock_own` with ``lock_item`` and the contractor's standing, in one statement on
    PostgreSQL; elsewhere the two queries."""
    if connection.vendor != "postgresql":
        return _lock_own(assignment=assignment, contractor=contractor, lock_item=True), _standing(contractor)
    rows = fetch(_LOCK_FOR_SUBMIT_SQL, [assignment.pk, contractor.pk])
    if not rows:
        raise AssignmentNotFound()
    row = rows[0]
    ends = (_A_FIELDS, _A_FIELDS + _I_FIELDS, _A_FIELDS + _I_FIELDS + _Q_FIELDS)
    locked = instance_from_row(Assignment, row[: ends[0]])
    locked.item = instance_from_row(WorkItem, row[ends[0] : ends[1]])
    locked.queue = instance_from_row(Queue, row[ends[1] : ends[2]])
    user_active, profile_active, qualification = row[ends[2] :]
    return locked, (bool(user_active), profile_active, qualification)


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
    clock = _locked_clock(contractor_id=assignment.contractor_id, since=since)
    start = max(since, clock.counted_until)
    if clock.counted_until < since <= clock.counted_until + timedelta(seconds=1):
        start = clock.counted_until  # the fraction of a second the last count left over
    elapsed = max((now - start).total_seconds(), 0.0)
    cap = heartbeat_cap_seconds()
    counted = cap if elapsed >= cap else int(elapsed)
    counted_until = now if elapsed >= cap else start + timedelta(seconds=counted)  # idle past the cap: gone
    if counted_until > clock.counted_until:
        clock.counted_until = counted_until
        update_fields(clock, ["counted_until"])
    return counted


_CLOCK_TABLE = ActivityClock._meta.db_table
# Create the clock at ``since`` if missing, else lock it (a no-op update takes the row lock and
# sees its latest committed version, as SELECT … FOR UPDATE would): one statement, not three.
_LOCK_CLOCK_SQL = f"""
    INSERT INTO {_CLOCK_TABLE} AS c ("contractor_id", "counted_until") VALUES (%s, %s)
    ON CONFLICT ("contractor_id") DO UPDATE SET "counted_until" = c."counted_until"
    RETURNING c."counted_until"
"""  # noqa: S608 - the model's own table


def _locked_clock(*, contractor_id: int, since: datetime) -> ActivityClock:
    """The contractor's activity clock row, created at ``since`` if missing, locked."""
    if connection.vendor != "postgresql":
        ActivityClock.objects.bulk_create(
            [ActivityClock(contractor_id=contractor_id, counted_until=since)], ignore_conflicts=True
        )
        return ActivityClock.objects.select_for_update().get(pk=contractor_id)
    ((counted_until,),) = fetch(_LOCK_CLOCK_SQL, [contractor_id, since])
    clock = ActivityClock(contractor_id=contractor_id, counted_until=counted_until)
    clock._state.adding = False
    return clock


def _standing(contractor: User) -> Standing:
    """The contractor's standing read fresh from the database (the request's cached user may
    predate a block)."""
    return (
        User.objects.filter(pk=contractor.pk)
        .values_list("is_active", "contractor_profile__is_active", "contractor_profile__qualification")
        .first()
    ) or (False, None, None)


def _standing_refusal(contractor: User, standing: Standing | None = None) -> ClaimRefused | None:
    """Why this contractor may not work right now (blocked or inactive), from their standing
    read fresh (``standing``, else read now), or None if they may."""
    user_active, profile_active, qualification = standing or _standing(contractor)
    if not user_active or profile_active is False:
        return ClaimRefused(
            "inactive", "Your contractor account is inactive; this task went back to its queue."
        )
    if qualification == Qualification.BLOCKED:
        return ClaimRefused(
            "blocked", "Your contractor account is blocked; this task went back to its queue."
        )
    return None


def _refuse_stopped(
    *, assignment: Assignment, contractor: User, standing: Standing | None = None
) -> ClaimRefused | None:
    """A blocked or inactive contractor's lease is given back (committed by the caller before it
    raises the returned refusal): blocked means blocked, even where a block bypassed the services."""
    refusal = _standing_refusal(contractor, standing)
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
        locked, standing = _lock_for_submit(assignment=assignment, contractor=contractor)
        if locked.status in JUDGED_STATUSES:
            return locked
        refusal = _refuse_stopped(assignment=locked, contractor=contractor, standing=standing)
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
    if kind.assignment_saved_with_item:  # the kind's hooks never read the assignment row back
        writes_ride_with(item)  # saved below on every path
        update_fields(assignment, _SUBMITTED_FIELDS, ride_with=item)
    else:
        update_fields(assignment, _SUBMITTED_FIELDS)
    kind.on_submit(assignment=assignment, result=result)

    item.active_leases -= 1
    item.judgments_received += 1
    if item.state == ItemState.OPEN and item.judgments_received >= item.judgments_wanted:
        item.state = ItemState.COMPLETE
        item.completed_at = now
        writes_ride_with(item)  # saved below on every path: the kind's writes may go with it
        kind.on_item_complete(item=item)
        if item.judgments_received < item.judgments_wanted:  # the kind asked for more judgments
            item.state = ItemState.OPEN
            item.completed_at = None
    update_fields(item, _COUNTED_FIELDS)  # locked with the assignment
    registry.notify_submitted(assignment)


_SUBMITTED_FIELDS = (
    "result",
    "status",
    "submitted_at",
    "active_seconds",
    "last_heartbeat_at",
    "gold_correct",
)
_COUNTED_FIELDS = (
    "active_leases",
    "judgments_received",
    "judgments_wanted",
    "escalations",
    "state",
    "completed_at",
)
