"""The pay rule is fixed when the task is claimed: editing a queue never re-prices claimed work
(issue 12, item 9). Both claim paths (the PostgreSQL claim function and the statement-by-statement
path that SQLite and the slow cases take) copy the rule in the claim's own INSERT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gauntlet.accounts.models import ContractorProfile, User
from gauntlet.payments.models import LedgerEntry, LedgerKind
from gauntlet.payments.selectors import contractor_earnings
from gauntlet.workqueue.models import Assignment, Queue
from gauntlet.workqueue.services import (
    assignment_claim,
    assignment_review,
    assignment_submit,
    claim_function,
    items_add,
)
from tests.gauntlet.payments.conftest import make_queue

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["claim_function", "statements"])
def claim_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "statements":
        monkeypatch.setattr(claim_function, "available", lambda: False)
    else:
        claim_function.install()
        assert claim_function.available()
    return str(request.param)


def _edit(queue: Queue, **fields: object) -> None:
    """A manager's edit of the queue's row (the admin's save; ``queue_update`` writes the same)."""
    Queue.objects.filter(pk=queue.pk).update(**fields)


def _claim(queue, contractor: User) -> Assignment:  # type: ignore[no-untyped-def]
    items_add(queue=queue, items=[{"payload": {"n": 1}}])
    assignment = assignment_claim(queue=queue, contractor=contractor)
    assert assignment is not None
    return assignment


def _approve(assignment: Assignment, contractor: User, manager: User, active_seconds: int = 0) -> LedgerEntry:
    assignment_submit(assignment=assignment, contractor=contractor, data={"answer": "ok"})
    Assignment.objects.filter(pk=assignment.pk).update(active_seconds=active_seconds)
    assignment_review(assignment=Assignment.objects.get(pk=assignment.pk), approved=True, reviewer=manager)
    return LedgerEntry.objects.get(assignment=assignment)


def test_claimed_work_is_paid_at_the_rate_it_was_claimed_under(
    claim_path: str, contractor: User, manager: User
) -> None:
    queue = make_queue(created_by=manager, pay_per_task=Decimal("0.25"), currency="USD")
    claimed = _claim(queue, contractor)
    _edit(queue, pay_per_task=Decimal("0.90"), currency="EUR")
    stored = Assignment.objects.get(pk=claimed.pk)
    assert (stored.pay_mode, stored.pay_amount, stored.pay_currency) == ("per_task", Decimal("0.25"), "USD")

    submitted = assignment_submit(assignment=claimed, contractor=contractor, data={"answer": "ok"})
    # The contractor's pending earnings already show the old rate …
    assert contractor_earnings(contractor=contractor)["totals"] == [
        {"currency": "USD", "pending": Decimal("0.25"), "approved": Decimal("0"), "paid": Decimal("0")}
    ]
    assignment_review(assignment=submitted, approved=True, reviewer=manager)
    entry = LedgerEntry.objects.get(assignment=claimed)
    assert (entry.kind, entry.amount, entry.currency) == (LedgerKind.TASK_PAY, Decimal("0.2500"), "USD")

    # … and work claimed after the edit earns the new one.
    later = _claim(queue, contractor)
    assert _approve(later, contractor, manager).amount == Decimal("0.9000")
    assert LedgerEntry.objects.get(assignment=later).currency == "EUR"


def test_switching_a_queue_to_hourly_does_not_reprice_claimed_per_task_work(
    claim_path: str, contractor: User, manager: User
) -> None:
    queue = make_queue(created_by=manager, pay_per_task=Decimal("0.40"))
    claimed = _claim(queue, contractor)
    _edit(queue, pay_mode="hourly", hourly_rate=Decimal("60.00"))
    entry = _approve(claimed, contractor, manager, active_seconds=600)
    assert (entry.kind, entry.amount) == (LedgerKind.TASK_PAY, Decimal("0.4000"))


def test_hourly_work_keeps_its_rate_and_cap_and_the_contractors_own_rate_is_fixed_too(
    claim_path: str, contractor: User, manager: User
) -> None:
    queue = make_queue(created_by=manager, pay_mode="hourly", hourly_rate=None, max_minutes_per_task=10)
    ContractorProfile.objects.filter(user=contractor).update(hourly_rate=Decimal("36.00"), currency="GBP")
    claimed = _claim(queue, contractor)
    ContractorProfile.objects.filter(user=contractor).update(hourly_rate=Decimal("72.00"))
    _edit(queue, max_minutes_per_task=1)
    entry = _approve(claimed, contractor, manager, active_seconds=300)
    # 36/h for 300 s (the cap was 10 minutes when claimed), in the contractor's currency.
    assert (entry.kind, entry.amount, entry.currency) == (LedgerKind.HOURLY_PAY, Decimal("3.0000"), "GBP")


def test_work_claimed_before_the_snapshot_existed_is_paid_by_the_queues_rule(
    contractor: User, manager: User
) -> None:
    queue = make_queue(created_by=manager, pay_per_task=Decimal("0.25"))
    claimed = _claim(queue, contractor)
    Assignment.objects.filter(pk=claimed.pk).update(
        pay_mode="", pay_amount=None, pay_currency="", pay_max_minutes=None
    )
    _edit(queue, pay_per_task=Decimal("0.30"))
    assert _approve(claimed, contractor, manager).amount == Decimal("0.3000")
