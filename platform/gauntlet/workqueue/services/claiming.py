"""Claiming: lease a contractor's best next item, atomically.

This is the hot path (every "give me my next task"), so its statements are
written out in SQL, nothing for the ORM to compile. On PostgreSQL the common case
is one call of the claim function built from these statements (see
``claim_function.py``); the statement-by-statement path here does the rest, and
every claim on SQLite. Writes that happen rarely (expiring run-out leases) go
through the ORM.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from gauntlet.accounts.models import ContractorProfile, Role, User
from gauntlet.common.sql import columns, fetch, instance_from_row, literal
from gauntlet.workqueue import registry
from gauntlet.workqueue.exceptions import ClaimRefused, QueueNotFound
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue, WorkItem
from gauntlet.workqueue.selectors import claim_refusal
from gauntlet.workqueue.services import claim_function
from gauntlet.workqueue.services.claim_sql import (
    ASSIGNMENTS_TABLE,
    CLAIM_LOCK_NAMESPACE,
    ITEMS_TABLE,
    PAY_SNAPSHOT_COLUMNS,
    PROFILES_TABLE,
    candidate_sql,
    lease_sql,
    pay_snapshot_sql,
)
from gauntlet.workqueue.services.leases import expire_due

# Draws whether a claim serves gold; not for security, only for mixing (``simulate`` seeds it; the
# PostgreSQL claim function draws with the server's random()).
gold_draw = random.Random()  # noqa: S311


def _for_update(*, skip_locked: bool = False) -> str:
    """The locking clause on PostgreSQL; nothing on SQLite (its IMMEDIATE transaction serialises)."""
    if not connection.features.has_select_for_update:
        return ""
    return " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"


def _standing(
    *, queue: Queue, contractor: User, now: datetime
) -> tuple[ContractorProfile | None, int, int | None, bool]:
    """One round trip: the contractor's standing, how many live leases they hold in this
    queue (counted up to ``max_open_assignments``) and the oldest one's id, and whether
    any lease in this queue has run out.

    Runs after the claim lock (see :func:`_serialised_fetch`), so that under READ
    COMMITTED its snapshot already holds whatever a concurrent claim by the same
    contractor committed while this one waited."""
    now_db = connection.ops.adapt_datetimefield_value(now)
    leased = literal(AssignmentStatus.LEASED)
    sql = f"""
        SELECT p."is_active", p."qualification",
          (SELECT COUNT(*) FROM (
              SELECT 1 FROM {ASSIGNMENTS_TABLE} a WHERE a."contractor_id" = p."user_id" AND a."queue_id" = %s
                AND a."status" = {leased} AND a."lease_expires_at" > %s LIMIT %s) mine),
          (SELECT MIN(a."id") FROM {ASSIGNMENTS_TABLE} a WHERE a."contractor_id" = p."user_id"
                AND a."queue_id" = %s AND a."status" = {leased} AND a."lease_expires_at" > %s),
          EXISTS (SELECT 1 FROM {ASSIGNMENTS_TABLE} a WHERE a."queue_id" = %s AND a."status" = {leased}
                AND a."lease_expires_at" <= %s)
        FROM {PROFILES_TABLE} p WHERE p."user_id" = %s
    """  # noqa: S608 - identifiers are the models' own table and column names
    params: list[Any] = [queue.pk, now_db, queue.max_open_assignments, queue.pk, now_db, queue.pk, now_db]
    params.append(contractor.pk)
    rows = _serialised_fetch(sql, params, contractor=contractor)
    if not rows:
        return None, 0, None, False
    is_active, qualification, open_count, oldest_open, any_expired = rows[0]
    profile = ContractorProfile(user_id=contractor.pk, is_active=bool(is_active), qualification=qualification)
    return profile, int(open_count), oldest_open, bool(any_expired)


def _serialised_fetch(sql: str, params: Sequence[Any], *, contractor: User) -> list[tuple[Any, ...]]:
    """Make one contractor's claims take turns (a double click must not lease two items),
    then run the standing query ``sql``; its rows.

    A transaction-scoped advisory lock, taken in a statement of its own: a claim that
    waited for it reads the contractor's leases afterwards, in a fresh snapshot. (Locking
    the profile row inside the reading statement would not do: that statement keeps the
    snapshot it started with, from before the other claim committed.) On PostgreSQL the
    transaction's BEGIN, the lock and the read go out in one psycopg pipeline: one network
    round trip, executed in order by the server. On SQLite the settings' BEGIN IMMEDIATE
    transaction already serialises every claim.
    """
    if connection.vendor != "postgresql":
        return fetch(sql, params)
    connection.ensure_connection()
    conn = connection.connection
    with connection.wrap_database_errors, conn.pipeline():
        psycopg.Cursor(conn).execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [CLAIM_LOCK_NAMESPACE, contractor.pk], prepare=True
        )
        reader = psycopg.Cursor(conn)
        reader.execute(sql, params, prepare=True)
    return reader.fetchall()


def leased_assignment(
    *, assignment_id: int, item_row: Sequence[Any], queue: Queue, contractor: User, now: datetime
) -> Assignment:
    """The assignment a lease statement just inserted, built from what it returned."""
    assignment = Assignment(
        pk=assignment_id,
        item=instance_from_row(WorkItem, item_row),
        queue=queue,
        contractor=contractor,
        status=AssignmentStatus.LEASED,
        claimed_at=now,
        lease_expires_at=now + timedelta(seconds=queue.lease_seconds),
    )
    assignment._state.adding = False
    return assignment


def _lease_in_one_statement(
    *, queue: Queue, contractor: User, gold: bool, now: datetime
) -> Assignment | None:
    """PostgreSQL, skip-locked: :func:`lease_sql` in the caller's transaction.

    Waiting claims (the ``wait`` pass) use the two-step :func:`_lease_best_item`
    instead, see there.
    """
    adapt = connection.ops.adapt_datetimefield_value
    expires = now + timedelta(seconds=queue.lease_seconds)
    params: list[Any] = [queue.pk, gold, contractor.pk, contractor.pk]
    params += [queue.pk, contractor.pk, adapt(now), adapt(expires), queue.pk, contractor.pk]
    rows = fetch(lease_sql(), params)
    if not rows:
        return None
    assignment_id, *item_row = rows[0]
    return leased_assignment(
        assignment_id=assignment_id, item_row=item_row, queue=queue, contractor=contractor, now=now
    )


def _lease_best_item(*, queue: Queue, contractor: User, gold: bool, wait: bool) -> WorkItem | None:
    """Pick the best candidate, lock it and take a slot on it; the item, or None.

    The filter and order are :func:`candidate_sql`'s (the filter spelled like the
    partial index ``workitem_claimable``, so PostgreSQL walks only items with a free
    slot). ``FOR UPDATE SKIP LOCKED``: concurrent
    claimers skip each other's rows; with ``wait`` the lock is waited for instead
    (see :func:`assignment_claim`). The counter update is a second statement on
    purpose: it sees the row's latest version, which this transaction already holds,
    so it never queues behind other waiters for that row (a single
    ``UPDATE … WHERE id = (SELECT … FOR UPDATE)`` can deadlock with them).
    """
    pick = candidate_sql(lock=_for_update(skip_locked=not wait))
    picked = fetch(pick, [queue.pk, gold, contractor.pk, contractor.pk])
    if not picked:
        return None
    take = f'UPDATE {ITEMS_TABLE} SET "active_leases" = "active_leases" + 1 WHERE "id" = %s RETURNING {columns(WorkItem, ITEMS_TABLE)}'  # noqa: S608
    (row,) = fetch(take, [picked[0][0]])
    return instance_from_row(WorkItem, row)


def _insert_assignment(*, queue: Queue, contractor: User, item: WorkItem, now: datetime) -> Assignment:
    assignment = Assignment(
        item=item,
        queue=queue,
        contractor=contractor,
        status=AssignmentStatus.LEASED,
        claimed_at=now,
        lease_expires_at=now + timedelta(seconds=queue.lease_seconds),
    )
    adapt = connection.ops.adapt_datetimefield_value
    pay_values, pay_joins = pay_snapshot_sql()
    # Every NOT NULL column without a database default is listed here, and the pay rule the
    # task is claimed under is copied from the queue's row in the same statement.
    ((assignment.pk,),) = fetch(
        f'INSERT INTO {ASSIGNMENTS_TABLE} ("item_id", "queue_id", "contractor_id", "status", "claimed_at",'  # noqa: S608
        f' "lease_expires_at", "active_seconds", "review_note", {PAY_SNAPSHOT_COLUMNS})'
        f" SELECT %s, %s, %s, %s, %s, %s, %s, %s, {pay_values} FROM (SELECT 1) one {pay_joins}"
        ' RETURNING "id"',
        [
            item.pk,
            queue.pk,
            contractor.pk,
            assignment.status,
            adapt(assignment.claimed_at),
            adapt(assignment.lease_expires_at),
            assignment.active_seconds,
            assignment.review_note,
            queue.pk,
            contractor.pk,
        ],
    )
    assignment._state.adding = False
    return assignment


def _serve_gold_first(queue: Queue) -> bool:
    """Whether this claim should look in the gold pool first: a draw at the queue's gold rate."""
    rate = float(queue.gold_rate)
    return rate > 0 and gold_draw.random() < rate


def _is_deadlock(exc: Exception) -> bool:
    return "40P01" in (getattr(exc, "sqlstate", None), getattr(exc.__cause__, "sqlstate", None))


def assignment_claim(*, queue: Queue, contractor: User) -> Assignment | None:
    """Lease the contractor's best next item in ``queue``, or return their open assignment.

    If the contractor already holds ``queue.max_open_assignments`` live leases in
    this queue, the oldest is returned (a retried claim leases nothing new).
    Otherwise, in one transaction: expire this queue's run-out leases (so their
    items are free at once, sweeper or not), take the best candidate with
    ``SELECT … FOR UPDATE SKIP LOCKED`` (gold pool first with probability
    ``gold_rate``, the other pool if that one is empty), bump its ``active_leases``
    and insert the assignment. Returns None when nothing is left for this
    contractor. Raises :class:`ClaimRefused` (403) when they may not claim.

    One contractor's claims are serialised first (an advisory lock): two
    simultaneous claims by the same contractor (a double click) take turns instead
    of leasing two items.

    On PostgreSQL the common case is one call of the claim function (one round trip,
    see :mod:`~gauntlet.workqueue.services.claim_function`), which judges the claim
    by the queue's row as it is at that moment; what it hands back, and every claim
    on SQLite, goes statement by statement (:func:`_claim_once`). On SQLite there is
    no row locking; the settings' BEGIN IMMEDIATE transaction serialises claims
    instead. A claim that waits for a row lock can, rarely, meet a lease expiry in a
    deadlock; PostgreSQL then aborts one side, and the claim is simply tried again
    (at most three times).
    """
    return _claim(queue_id=queue.pk, queue=queue, contractor=contractor)[1]


def queue_claim(*, queue_id: int, contractor: User) -> tuple[Queue, Assignment | None]:
    """:func:`assignment_claim` in the queue with this id (what the claim API is given):
    the queue, as the claim read it, and the claim. Raises :class:`QueueNotFound`."""
    return _claim(queue_id=queue_id, queue=None, contractor=contractor)


# Queue id -> kind name, per process: a queue's kind never changes, so once a claim has read
# it the next claims know it without asking the database.
_queue_kinds: dict[int, str] = {}


def _claim(*, queue_id: int, queue: Queue | None, contractor: User) -> tuple[Queue, Assignment | None]:
    """The kind may refuse before anything is leased (``check_claim``); its ``on_claim`` runs on
    what was leased or handed back (it is idempotent).

    The first claim of a queue in this process does not know the kind yet: it leases inside a
    transaction, asks the kind then, and a refusal rolls the lease back (so nothing is leased
    either way) — this keeps the hot path at one round trip."""
    name = queue.kind if queue is not None else _queue_kinds.get(queue_id)
    if name is not None:
        kind = registry.get_kind(name)
        kind.check_claim(queue_id=queue_id, contractor=contractor)
        queue, assignment = _lease(queue_id=queue_id, queue=queue, contractor=contractor)
    else:
        with transaction.atomic():
            queue, assignment = _lease(queue_id=queue_id, queue=None, contractor=contractor)
            _queue_kinds[queue.pk] = queue.kind
            kind = registry.get_kind(queue.kind)
            kind.check_claim(queue_id=queue_id, contractor=contractor)
    if assignment is not None:
        kind.on_claim(assignment=assignment)
    return queue, assignment


def _lease(*, queue_id: int, queue: Queue | None, contractor: User) -> tuple[Queue, Assignment | None]:
    if claim_function.available() and contractor.role == Role.CONTRACTOR:
        now = timezone.now()
        answer = claim_function.claim_call(queue_id=queue_id, contractor_id=contractor.pk, now=now)
        if answer.queue is None:
            raise QueueNotFound
        queue = queue or answer.queue
        if answer.outcome == "leased" and answer.assignment_id is not None:
            assignment = leased_assignment(
                assignment_id=answer.assignment_id,
                item_row=answer.item_row,
                queue=queue,
                contractor=contractor,
                now=now,
            )
            return queue, assignment
        if answer.outcome == "open" and answer.open_id is not None:
            return queue, Assignment.objects.select_related("item", "queue").get(pk=answer.open_id)
        if answer.outcome == "refused":
            refusal = claim_refusal(queue=answer.queue, contractor=contractor, profile=answer.profile)
            if refusal is not None:
                raise ClaimRefused(*refusal)
        # Otherwise ("slow"): leases to expire, or every candidate locked; see below.
    if queue is None:
        queue = Queue.objects.filter(pk=queue_id).first()
        if queue is None:
            raise QueueNotFound
    for attempt in range(3):
        try:
            return queue, _claim_once(queue=queue, contractor=contractor)
        except (OperationalError, psycopg.errors.DeadlockDetected) as exc:
            if not _is_deadlock(exc) or attempt == 2:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _claim_once(*, queue: Queue, contractor: User) -> Assignment | None:
    now = timezone.now()
    profile, open_count, oldest_open, any_expired = _standing(queue=queue, contractor=contractor, now=now)
    refusal = claim_refusal(queue=queue, contractor=contractor, profile=profile)
    if refusal is not None:
        raise ClaimRefused(*refusal)
    if open_count >= queue.max_open_assignments and oldest_open is not None:
        return Assignment.objects.select_related("item", "queue").get(pk=oldest_open)
    if any_expired:
        expire_due(queue=queue, now=now, limit=1000)
    gold_first = _serve_gold_first(queue)
    pools = (gold_first, not gold_first) if queue.gold_rate > 0 else (False,)
    # Skipping locked rows first keeps claimers off each other's toes. Only when every
    # candidate is locked at this instant (near the end of a queue: another claim or a
    # submit holds the last rows) wait for the locks, so "nothing for you" means nothing.
    # (SQLite locks no rows: there the one pass is all there is.)
    for wait in (False, True) if connection.features.has_select_for_update else (False,):
        for gold in pools:
            if not wait and connection.vendor == "postgresql":
                leased = _lease_in_one_statement(queue=queue, contractor=contractor, gold=gold, now=now)
                if leased is not None:
                    return leased
                continue
            item = _lease_best_item(queue=queue, contractor=contractor, gold=gold, wait=wait)
            if item is not None:
                return _insert_assignment(queue=queue, contractor=contractor, item=item, now=now)
    return None
