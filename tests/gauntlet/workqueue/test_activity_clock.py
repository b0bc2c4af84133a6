"""One clock per person: active time is counted once per contractor, however many leases they heartbeat.

Issue 12, item 4: hourly pay counted active time per lease, so a contractor with N hourly
leases open in N tabs, heartbeating each, was paid N times the real time. The heartbeats
here race on real threads, each with its own PostgreSQL connection.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from gauntlet.payments.models import LedgerEntry, LedgerKind
from gauntlet.workqueue.models import Assignment
from gauntlet.workqueue.services import (
    assignment_claim,
    assignment_heartbeat,
    assignment_review,
    assignment_submit,
)
from tests.factories import new_contractor, new_manager
from tests.gauntlet.workqueue.conftest import make_items, make_queue
from tests.services import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

LEASES = 4
WORKED_SECONDS = 40  # what the contractor really worked, in wall time, before the heartbeats


def test_heartbeating_many_leases_at_once_counts_the_real_time_once() -> None:
    contractor, manager = new_contractor(), new_manager()
    queue = make_queue(
        overlap=1,
        max_open_assignments=LEASES,
        pay_mode="hourly",
        hourly_rate=Decimal("36.00"),
        pay_per_task=Decimal("0"),
    )
    make_items(queue, LEASES, judgments_wanted=1)
    leases = [assignment_claim(queue=queue, contractor=contractor) for _ in range(LEASES)]
    assert all(lease is not None for lease in leases)
    # All of them were claimed WORKED_SECONDS ago (tabs opened together, then worked in).
    started = timezone.now() - timedelta(seconds=WORKED_SECONDS)
    Assignment.objects.filter(contractor=contractor).update(claimed_at=started)

    run_in_threads(
        [
            (lambda pk=lease.pk: assignment_heartbeat(assignment=Assignment(pk=pk), contractor=contractor))
            for lease in leases
            if lease is not None
        ]
    )
    counted = Assignment.objects.filter(contractor=contractor).aggregate(s=Sum("active_seconds"))["s"]
    assert WORKED_SECONDS - 2 <= counted <= WORKED_SECONDS + 2, counted  # not LEASES × the real time

    # Submitting every lease right after counts (almost) nothing more; pay follows the one clock.
    run_in_threads(
        [
            (
                lambda pk=lease.pk: assignment_submit(
                    assignment=Assignment(pk=pk), contractor=contractor, data={"answer": "yes"}
                )
            )
            for lease in leases
            if lease is not None
        ]
    )
    for lease in leases:
        assert lease is not None
        assignment_review(assignment=lease, approved=True, reviewer=manager)
    total_seconds = Assignment.objects.filter(contractor=contractor).aggregate(s=Sum("active_seconds"))["s"]
    elapsed = (timezone.now() - started).total_seconds()
    assert total_seconds <= elapsed + 1
    paid = LedgerEntry.objects.filter(contractor=contractor, kind=LedgerKind.HOURLY_PAY).aggregate(
        s=Sum("amount")
    )["s"]
    assert paid is not None
    assert paid <= Decimal("36.00") * Decimal(elapsed + 1) / 3600


def test_one_lease_still_counts_its_time() -> None:
    contractor = new_contractor()
    queue = make_queue(overlap=1)
    make_items(queue, 1, judgments_wanted=1)
    lease = assignment_claim(queue=queue, contractor=contractor)
    assert lease is not None
    Assignment.objects.filter(pk=lease.pk).update(claimed_at=timezone.now() - timedelta(seconds=30))
    beat = assignment_heartbeat(assignment=lease, contractor=contractor)
    assert 29 <= beat.active_seconds <= 31


def test_heartbeats_less_than_a_second_apart_are_never_paid_more_than_the_real_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each heartbeat's time was rounded to whole seconds: a script heartbeating every 0.6 s was
    counted 1 s per beat (1.7x the real time, up to 2x at 0.5 s). Whole seconds are counted and
    the fraction carried to the next heartbeat, so the sum is the real time, to under a second."""
    contractor = new_contractor()
    queue = make_queue(overlap=1, pay_mode="hourly", hourly_rate=Decimal("36.00"))
    make_items(queue, 1, judgments_wanted=1)
    lease = assignment_claim(queue=queue, contractor=contractor)
    assert lease is not None
    claimed = Assignment.objects.get(pk=lease.pk).claimed_at
    beats = 20
    for n in range(1, beats + 1):
        monkeypatch.setattr(timezone, "now", lambda n=n: claimed + timedelta(seconds=0.6 * n))
        lease = assignment_heartbeat(assignment=lease, contractor=contractor)
    real = 0.6 * beats  # 12 s
    assert real - 1 < lease.active_seconds <= real, lease.active_seconds
