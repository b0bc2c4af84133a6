"""Leases: returning expired or abandoned leases' slots to their items.

Lock order everywhere in the engine: contractor profile, then assignment rows,
then item rows (items in id order). Expiry takes assignment rows with SKIP
LOCKED, so a sweeper and any number of claimers never wait on each other for them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue, WorkItem

ASSIGNMENTS_TABLE = Assignment._meta.db_table


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


def leases_end(*, rows: list[tuple[int, int]], status: str) -> None:
    """End these leases (``(assignment id, item id)`` rows, already locked) with ``status``
    and give their items the slots back."""
    if not rows:
        return
    Assignment.objects.filter(id__in=[assignment_id for assignment_id, _ in rows]).update(status=status)
    items_release_leases(leases_per_item=Counter(item_id for _, item_id in rows))


def expire_due(*, queue: Queue | None, now: datetime, limit: int) -> int:
    """:func:`leases_expire` inside the caller's transaction (the sweeper's, or a claim's
    that found run-out leases in its queue)."""
    due = Assignment.objects.filter(status=AssignmentStatus.LEASED, lease_expires_at__lte=now)
    if queue is not None:
        due = due.filter(queue=queue)
    rows = list(due.select_for_update(skip_locked=True).order_by("id").values_list("id", "item_id")[:limit])
    leases_end(rows=rows, status=AssignmentStatus.EXPIRED)
    return len(rows)


@transaction.atomic
def leases_expire(*, queue: Queue | None = None, now: datetime | None = None, limit: int = 1000) -> int:
    """Mark up to ``limit`` leased assignments whose lease ran out as expired and give
    their items' slots back. Returns how many it expired.

    Idempotent and safe to run concurrently (the periodic sweeper, and every claim
    for its own queue): it only touches rows still leased and past their expiry,
    and skips rows another transaction holds.
    """
    return expire_due(queue=queue, now=now or timezone.now(), limit=limit)
