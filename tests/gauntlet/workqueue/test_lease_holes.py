"""Smaller holes in leases (issue 12 item 13): an idle tab cannot hold a lease forever, and a bulk
review and the lease sweeper lock rows in one order, so together they never deadlock."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from gauntlet.workqueue.exceptions import LeaseExpired
from gauntlet.workqueue.models import Assignment, AssignmentStatus, WorkItem
from gauntlet.workqueue.services import (
    assignment_claim,
    assignment_heartbeat,
    assignment_submit,
    assignments_review_bulk,
    leases_expire,
)
from tests.gauntlet.workqueue.conftest import YesNoKind, make_contractors, make_items, make_queue
from tests.services import run_in_threads


@pytest.mark.django_db
def test_idle_heartbeats_keep_a_lease_only_up_to_the_idle_limit(settings) -> None:
    settings.WORKQUEUE_MAX_IDLE_SECONDS = 3600
    queue = make_queue(lease_seconds=300)
    make_items(queue, 1)
    (contractor,) = make_contractors(1)
    lease = assignment_claim(queue=queue, contractor=contractor)
    assert lease is not None
    # Two hours of {"active": false} heartbeats since the claim kept the lease alive until now.
    soon = timezone.now() + timedelta(seconds=5)
    Assignment.objects.filter(pk=lease.pk).update(
        claimed_at=timezone.now() - timedelta(hours=2),
        last_heartbeat_at=timezone.now() - timedelta(seconds=30),
        lease_expires_at=soon,
    )
    idle = assignment_heartbeat(assignment=lease, contractor=contractor, active=False)
    assert idle.lease_expires_at == soon  # past the idle limit: not extended any more
    assert idle.active_seconds == 0
    Assignment.objects.filter(pk=lease.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(LeaseExpired):
        assignment_heartbeat(assignment=lease, contractor=contractor, active=False)
    lease.refresh_from_db()
    assert lease.status == AssignmentStatus.EXPIRED
    assert WorkItem.objects.get(pk=lease.item_id).active_leases == 0  # back in the queue


@pytest.mark.django_db
def test_activity_renews_the_idle_allowance(settings) -> None:
    settings.WORKQUEUE_MAX_IDLE_SECONDS = 3600
    queue = make_queue(lease_seconds=300)
    make_items(queue, 1)
    (contractor,) = make_contractors(1)
    lease = assignment_claim(queue=queue, contractor=contractor)
    assert lease is not None
    Assignment.objects.filter(pk=lease.pk).update(claimed_at=timezone.now() - timedelta(hours=2))
    assignment_heartbeat(assignment=lease, contractor=contractor, active=True)  # back at the desk
    idle = assignment_heartbeat(assignment=lease, contractor=contractor, active=False)
    assert idle.lease_expires_at >= timezone.now() + timedelta(seconds=290)  # a full lease again


@pytest.mark.django_db(transaction=True)
def test_bulk_rejection_and_the_lease_sweeper_never_deadlock(yes_no_kind: YesNoKind, monkeypatch) -> None:
    """The review locks A1 (on item Y) and A2 (on item X) and then, before, each item in the
    order of its assignments: Y, then X. The sweeper expiring leases on X and Y locks X, then Y.
    Run together, each held what the other wanted and PostgreSQL killed one of them."""
    queue = make_queue(overlap=2, lease_seconds=300)
    low, high = make_items(queue, 2)
    WorkItem.objects.filter(pk=high.pk).update(priority=1)  # claimed first: the lower assignment id
    reviewed, *idle = make_contractors(3)
    submitted = []
    for _ in range(2):
        lease = assignment_claim(queue=queue, contractor=reviewed)
        assert lease is not None
        submitted.append(assignment_submit(assignment=lease, contractor=reviewed, data={"answer": "yes"}))
    assert [a.item_id for a in submitted] == [high.pk, low.pk]
    leased = [assignment_claim(queue=queue, contractor=c) for c in idle]
    assert sorted(a.item_id for a in leased if a is not None) == [low.pk, high.pk]
    Assignment.objects.filter(contractor__in=idle).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    review_holds_a_row = threading.Event()
    rejected = yes_no_kind.on_assignment_rejected

    def reject_slowly(*, assignment: Assignment) -> None:
        # The first rejection's hook: the review holds its first item row(s); let the sweeper run.
        if not review_holds_a_row.is_set():
            review_holds_a_row.set()
            time.sleep(1.5)
        rejected(assignment=assignment)

    monkeypatch.setattr(yes_no_kind, "on_assignment_rejected", reject_slowly)

    def review() -> int:
        ids = [a.pk for a in submitted]
        return len(assignments_review_bulk(assignment_ids=ids, approved=False, reviewer=None))

    def sweep() -> int:
        assert review_holds_a_row.wait(timeout=30)
        time.sleep(0.3)  # the review is now inside its hook, holding what it locked so far
        return leases_expire(queue=queue)

    assert run_in_threads([review, sweep]) == [2, 2]
    assert set(Assignment.objects.filter(contractor=reviewed).values_list("status", flat=True)) == {
        "rejected"
    }
    assert set(Assignment.objects.filter(contractor__in=idle).values_list("status", flat=True)) == {"expired"}
    assert list(WorkItem.objects.order_by("id").values_list("judgments_received", "active_leases")) == [
        (0, 0),
        (0, 0),
    ]
