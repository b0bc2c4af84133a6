"""The pay rules and their rounding, through the real engine's approvals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gauntlet.payments.models import LedgerEntry, LedgerKind
from gauntlet.workqueue.services import assignment_review
from tests.factories import new_contractor

pytestmark = pytest.mark.django_db


def approve_and_get_pay(assignment, manager) -> LedgerEntry:  # type: ignore[no-untyped-def]
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    return LedgerEntry.objects.get(assignment=assignment)


def test_per_task_queue_pays_its_rate_in_its_currency(queue_factory, work, contractor, manager) -> None:
    queue = queue_factory(pay_per_task=Decimal("0.3750"), currency="EUR")
    entry = approve_and_get_pay(work(queue, contractor, active_seconds=999), manager)
    assert (entry.kind, entry.amount, entry.currency) == (LedgerKind.TASK_PAY, Decimal("0.3750"), "EUR")


def test_hourly_queue_pays_active_seconds_at_the_queue_rate(queue_factory, work, contractor, manager) -> None:
    queue = queue_factory(pay_mode="hourly", hourly_rate=Decimal("20.00"))
    entry = approve_and_get_pay(work(queue, contractor, active_seconds=90), manager)
    assert (entry.kind, entry.amount) == (LedgerKind.HOURLY_PAY, Decimal("0.5000"))  # 20 × 90 / 3600


def test_hourly_pay_is_capped_at_the_queues_maximum_minutes(queue_factory, work, contractor, manager) -> None:
    queue = queue_factory(pay_mode="hourly", hourly_rate=Decimal("12.00"), max_minutes_per_task=5)
    entry = approve_and_get_pay(work(queue, contractor, active_seconds=3600), manager)
    assert entry.amount == Decimal("1.0000")  # 5 minutes at 12/h, not an hour


def test_hourly_queue_without_a_rate_pays_the_contractors_own_rate(queue_factory, work, manager) -> None:
    contractor = new_contractor(profile__hourly_rate=Decimal("36.00"))
    queue = queue_factory(pay_mode="hourly", hourly_rate=None)
    entry = approve_and_get_pay(work(queue, contractor, active_seconds=100), manager)
    assert entry.amount == Decimal("1.0000")  # 36 × 100 / 3600


@pytest.mark.parametrize(
    ("rate", "seconds", "expected"),
    [
        ("15.00", 7, "0.0292"),  # 0.029166… rounds up
        ("15.00", 1, "0.0042"),  # 0.0041666…
        ("0.18", 1, "0.0001"),  # exactly 0.00005: half up, not to even
        ("0.54", 1, "0.0002"),  # 0.00015 → 0.0002
        ("10.00", 1, "0.0028"),  # 0.002777…
    ],
)
def test_hourly_amounts_round_half_up_to_four_places(
    queue_factory, work, contractor, manager, rate: str, seconds: int, expected: str
) -> None:
    queue = queue_factory(pay_mode="hourly", hourly_rate=Decimal(rate))
    assert approve_and_get_pay(work(queue, contractor, active_seconds=seconds), manager).amount == Decimal(
        expected
    )


def test_work_that_earns_nothing_writes_no_entry(queue_factory, work, contractor, manager) -> None:
    queue = queue_factory(pay_mode="hourly", hourly_rate=Decimal("15.00"))
    assignment = work(queue, contractor, active_seconds=0)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    assert not LedgerEntry.objects.filter(contractor=contractor).exists()
