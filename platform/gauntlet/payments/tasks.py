"""Celery interface of payments: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from .services import assignments_auto_approve_due


@shared_task(
    name="gauntlet.payments.tasks.auto_approve_due",
    soft_time_limit=240,
    time_limit=300,
)
def auto_approve_due() -> int:
    """Periodic (beat): approve submitted work whose auto-approval delay has passed.

    Idempotent: it re-reads what is due each run, locks each assignment and skips
    any that is no longer submitted, and pay is unique per assignment — a re-delivered
    or overlapping run approves and pays nothing twice.
    """
    return assignments_auto_approve_due()
