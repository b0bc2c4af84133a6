"""The beat task through a real Celery worker process on Redis and the test database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gauntlet.payments.models import LedgerEntry
from gauntlet.payments.tasks import auto_approve_due
from gauntlet.workqueue.models import Assignment, AssignmentStatus
from tests.factories import new_contractor
from tests.gauntlet.payments.conftest import ago, do_work, make_queue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_real_worker_auto_approves_and_pays_due_work_once(celery_worker_process: object) -> None:
    queue = make_queue(auto_approve_seconds=30, pay_per_task=Decimal("0.60"))
    due = do_work(queue, new_contractor(), submitted_at=ago(31))
    assert auto_approve_due.delay().get(timeout=60) == 1
    assert auto_approve_due.delay().get(timeout=60) == 0  # a re-delivered or overlapping run
    assert Assignment.objects.get(pk=due.pk).status == AssignmentStatus.APPROVED
    assert list(LedgerEntry.objects.values_list("assignment_id", "amount", "created_by")) == [
        (due.pk, Decimal("0.6000"), None)
    ]
