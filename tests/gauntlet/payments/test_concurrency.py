"""Racing approvals on real threads, each with its own PostgreSQL connection: one pay entry per assignment."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from gauntlet.payments.models import LedgerEntry
from gauntlet.payments.services import assignments_auto_approve_due, payment_for_review
from gauntlet.workqueue.models import Assignment, AssignmentStatus
from gauntlet.workqueue.services import assignment_review, assignments_review_bulk
from tests.factories import new_contractor, new_manager
from tests.gauntlet.payments.conftest import ago, do_work, make_queue
from tests.services import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("round_", range(3))
def test_bulk_approve_auto_approve_and_retries_pay_each_assignment_once(round_: int) -> None:
    manager = new_manager()
    contractors = [new_contractor() for _ in range(3)]
    queue = make_queue(created_by=manager, auto_approve_seconds=1, pay_per_task=Decimal("0.3333"))
    assignments = [do_work(queue, c, submitted_at=ago(60)) for c in contractors for _ in range(4)]
    ids = [a.pk for a in assignments]

    def retried_single_approvals(order: list[int]) -> Callable[[], None]:
        def job() -> None:
            for pk in order:
                for _ in range(2):
                    assignment_review(assignment=Assignment(pk=pk), approved=True, reviewer=manager)

        return job

    run_in_threads(  # re-raises any failure
        [
            lambda: assignments_review_bulk(assignment_ids=ids, approved=True, reviewer=manager),
            lambda: assignments_auto_approve_due(now=timezone.now()),
            retried_single_approvals(ids),
            retried_single_approvals(list(reversed(ids))),
            lambda: assignments_auto_approve_due(now=timezone.now()),
        ],
        join_timeout=60,
    )
    assert set(Assignment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        AssignmentStatus.APPROVED
    }
    per_assignment = LedgerEntry.objects.values("assignment").annotate(n=Count("id"))
    assert sorted(row["assignment"] for row in per_assignment) == sorted(ids)
    assert {row["n"] for row in per_assignment} == {1}
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == Decimal("0.3333") * len(ids)


def test_listener_reruns_racing_on_one_assignment_write_one_entry() -> None:
    manager = new_manager()
    queue = make_queue(created_by=manager, pay_per_task=Decimal("1.25"))
    assignment = do_work(queue, new_contractor())
    # Approved without the listener having run yet; then eight retries of the listener race.
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.APPROVED, reviewed_by=manager)

    def rerun() -> None:
        payment_for_review(Assignment.objects.select_related("queue", "contractor").get(pk=assignment.pk))

    run_in_threads([rerun] * 8, join_timeout=60)  # re-raises any failure
    assert list(LedgerEntry.objects.values_list("assignment_id", "amount")) == [
        (assignment.pk, Decimal("1.2500"))
    ]
