"""Celery interface of the work queue (beat: ``CELERY_BEAT_SCHEDULE`` in settings)."""

from __future__ import annotations

from celery import shared_task

from gauntlet.workqueue.services import leases_expire

_BATCH = 1000
_MAX_BATCHES = 100  # bound one run; the next beat picks up whatever is left


@shared_task(
    name="gauntlet.workqueue.tasks.expire_leases",
    soft_time_limit=60,
    time_limit=90,
)
def expire_leases() -> int:
    """Return every run-out lease's item to its queue; how many were expired.

    Idempotent: it only expires assignments still leased past their expiry, so a
    re-delivered or overlapping run finds nothing left to do (claims expire their
    own queue's leases too, so nothing depends on this running on time).
    """
    total = 0
    for _ in range(_MAX_BATCHES):
        expired = leases_expire(limit=_BATCH)
        total += expired
        if expired < _BATCH:
            break
    return total
