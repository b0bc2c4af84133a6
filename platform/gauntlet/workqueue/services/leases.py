"""Leases: claiming the next item, and returning expired or abandoned leases to the queue.

Lock order everywhere in the engine: contractor profile, then assignment rows,
then item rows (items in id order). Expiry takes assignment rows with SKIP
LOCKED, so a sweeper and any number of claimers never wait on each other for them.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from gauntlet.accounts.models import ContractorProfile, User
from gauntlet.workqueue.exceptions import ClaimRefused
from gauntlet.workqueue.models import Assignment, AssignmentStatus, ItemState, Queue, WorkItem
from gauntlet.workqueue.selectors import HELD_STATUSES, claim_refusal, contractor_open_assignments

_ITEMS = WorkItem._meta.db_table
_ASSIGNMENTS = Assignment._meta.db_table

# Draws whether a claim serves gold; not for security, only for mixing.
_gold_draw = random.Random()  # noqa: S311


def items_release_leases(*, leases_per_item: Counter[int]) -> None:
    """Give back ``n`` lease slots on each item (item rows locked in id order, so two
    callers releasing overlapping sets of items never deadlock)."""
    if not leases_per_item:
        return
    list(
        WorkItem.objects.select_for_update()
        .filter(id__in=leases_per_item)
        .order_by("id")
        .values_list("id", flat=True)
    )
    items_by_count: dict[int, list[int]] = defaultdict(list)
    for item_id, count in leases_per_item.items():
        items_by_count[count].append(item_id)
    for count, item_ids in items_by_count.items():
        WorkItem.objects.filter(id__in=item_ids).update(active_leases=F("active_leases") - count)


def _expire_due(*, queue: Queue | None, now: datetime, limit: int) -> int:
    due = Assignment.objects.select_for_update(skip_locked=True).filter(
        status=AssignmentStatus.LEASED, lease_expires_at__lte=now
    )
    if queue is not None:
        due = due.filter(queue=queue)
    rows = list(due.order_by("id").values_list("id", "item_id")[:limit])
    if not rows:
        return 0
    Assignment.objects.filter(id__in=[assignment_id for assignment_id, _ in rows]).update(
        status=AssignmentStatus.EXPIRED
    )
    items_release_leases(leases_per_item=Counter(item_id for _, item_id in rows))
    return len(rows)


@transaction.atomic
def leases_expire(*, queue: Queue | None = None, now: datetime | None = None, limit: int = 1000) -> int:
    """Mark up to ``limit`` leased assignments whose lease ran out as expired and give
    their items' slots back. Returns how many it expired.

    Idempotent and safe to run concurrently (the periodic sweeper, and every claim
    for its own queue): it only touches rows still leased and past their expiry,
    and skips rows another transaction holds.
    """
    return _expire_due(queue=queue, now=now or timezone.now(), limit=limit)


def _lease_best_item(*, queue: Queue, contractor: User, gold: bool) -> WorkItem | None:
    """Pick the best candidate and take a slot on it in one statement; the item, or None.

    ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING *``: the
    filter and order are :func:`~gauntlet.workqueue.selectors.work_item_candidates`'s,
    written out because this is the hot path (one round trip, nothing to compile).
    On SQLite the subquery has no FOR UPDATE; the IMMEDIATE transaction serialises.
    """
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    returning = ", ".join(f'"{field.column}"' for field in WorkItem._meta.concrete_fields)
    sql = f"""
        UPDATE {_ITEMS} SET "active_leases" = "active_leases" + 1
        WHERE "id" = (
            SELECT i."id" FROM {_ITEMS} i
            WHERE i."queue_id" = %s AND i."is_gold" = %s AND i."state" = %s
              AND i."judgments_received" < (i."judgments_wanted" - i."active_leases")
              AND (i."author_id" IS NULL OR i."author_id" <> %s)
              AND NOT EXISTS (
                  SELECT 1 FROM {_ASSIGNMENTS} a
                  WHERE a."item_id" = i."id" AND a."contractor_id" = %s AND a."status" IN (%s, %s, %s, %s)
              )
            ORDER BY i."priority" DESC, i."judgments_received" DESC, i."id"
            LIMIT 1{skip_locked}
        )
        RETURNING {returning}
    """  # noqa: S608 - identifiers are the model's own table and column names
    params = [queue.pk, gold, ItemState.OPEN, contractor.pk, contractor.pk, *HELD_STATUSES]
    leased = list(WorkItem.objects.raw(sql, params))
    return leased[0] if leased else None


def _serve_gold_first(queue: Queue) -> bool:
    """Whether this claim should look in the gold pool first: a draw at the queue's gold rate."""
    rate = float(queue.gold_rate)
    return rate > 0 and _gold_draw.random() < rate


@transaction.atomic
def assignment_claim(*, queue: Queue, contractor: User) -> Assignment | None:
    """Lease the contractor's best next item in ``queue``, or return their open assignment.

    If the contractor already holds ``queue.max_open_assignments`` live leases in
    this queue, the oldest is returned (a retried claim leases nothing new).
    Otherwise, in one transaction: expire this queue's run-out leases, pick the
    best candidate with ``SELECT … FOR UPDATE SKIP LOCKED`` (gold pool first with
    probability ``gold_rate``, the other pool if that one is empty), bump its
    ``active_leases`` and insert the assignment. Returns None when nothing is left
    for this contractor. Raises :class:`ClaimRefused` (403) when they may not claim.

    The contractor's profile row is locked first: two simultaneous claims by the
    same contractor (a double click) serialise instead of leasing two items.
    On SQLite ``select_for_update`` is a no-op and the settings' BEGIN IMMEDIATE
    transaction serialises claims instead.
    """
    profile = ContractorProfile.objects.select_for_update().filter(user_id=contractor.pk).first()
    refusal = claim_refusal(queue=queue, contractor=contractor, profile=profile)
    if refusal is not None:
        raise ClaimRefused(*refusal)
    now = timezone.now()
    open_assignments = list(
        contractor_open_assignments(contractor=contractor, queue=queue, now=now)[: queue.max_open_assignments]
    )
    if len(open_assignments) >= queue.max_open_assignments:
        return open_assignments[0]
    _expire_due(queue=queue, now=now, limit=1000)
    gold_first = _serve_gold_first(queue)
    pools = (gold_first, not gold_first) if queue.gold_rate > 0 else (False,)
    for gold in pools:
        item = _lease_best_item(queue=queue, contractor=contractor, gold=gold)
        if item is not None:
            break
    else:
        return None
    return Assignment.objects.create(
        item=item,
        queue=queue,
        contractor=contractor,
        status=AssignmentStatus.LEASED,
        claimed_at=now,
        lease_expires_at=now + timedelta(seconds=queue.lease_seconds),
    )
