"""Payout batches: freeze, export to S3 (a real moto_server) and back, idempotent close, recorded payment."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from gauntlet.common import storage
from gauntlet.errors import Conflict, DomainError
from gauntlet.payments.models import LedgerEntry, PayoutBatch, PayoutLine, PayoutStatus
from gauntlet.payments.services import (
    adjustment_create,
    bonus_grant,
    payout_batch_close,
    payout_batch_mark_paid,
)
from gauntlet.workqueue.services import assignment_review
from tests.factories import new_contractor

pytestmark = pytest.mark.django_db


def parse_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def paid_work(queue_factory, work, manager):  # type: ignore[no-untyped-def]
    """Two contractors: alice with 3 entries (2 tasks + a bonus), bob with 1 task and a deduction."""
    alice = new_contractor(email="alice@example.com")
    bob = new_contractor(email="bob@example.com")
    queue = queue_factory(pay_per_task=Decimal("0.5000"))
    for contractor, tasks in ((alice, 2), (bob, 1)):
        for _ in range(tasks):
            assignment_review(assignment=work(queue, contractor), approved=True, reviewer=manager)
    bonus_grant(contractor=alice, amount=Decimal("3.25"), reason="top rater", created_by=manager, queue=queue)
    adjustment_create(contractor=bob, amount=Decimal("-0.1234"), reason="duplicate", created_by=manager)
    return alice, bob


def test_close_exports_one_csv_row_per_contractor_that_round_trips_through_s3(
    paid_work, manager, s3_storage: str
) -> None:
    alice, bob = paid_work
    batch = payout_batch_close(period_end=timezone.now(), created_by=manager)
    assert batch.csv_uri.startswith(f"s3://{s3_storage}/exports/payouts/")
    rows = parse_csv(storage.read_bytes(batch.csv_uri))
    assert [r["email"] for r in rows] == ["alice@example.com", "bob@example.com"]
    assert rows[0] == {
        "contractor_id": str(alice.pk),
        "email": "alice@example.com",
        "currency": "USD",
        "entries": "3",
        "total": "4.25",
        "carried": "0.0000",
    }
    # bob's 0.3766 is paid as 0.37: the 0.0066 left is carried to his next batch
    assert (rows[1]["entries"], rows[1]["total"], rows[1]["carried"]) == ("2", "0.37", "0.0066")
    document = json.loads(storage.read_bytes(batch.json_uri))
    assert len(document["entries"]) == LedgerEntry.objects.count() == 5
    assert sum(Decimal(e["amount"]) for e in document["entries"]) == sum(
        Decimal(r["total"]) + Decimal(r["carried"]) for r in rows
    )


def test_closing_the_same_period_twice_changes_nothing(paid_work, manager, local_storage) -> None:
    period_end = timezone.now()
    first = payout_batch_close(period_end=period_end, created_by=manager)
    lines = list(PayoutLine.objects.values_list("entry_id", "batch_id"))
    csv_before = storage.read_bytes(first.csv_uri)
    again = payout_batch_close(period_end=period_end, created_by=manager)
    assert again.pk == first.pk and PayoutBatch.objects.count() == 1
    assert list(PayoutLine.objects.values_list("entry_id", "batch_id")) == lines
    assert storage.read_bytes(again.csv_uri) == csv_before


def test_entries_after_the_period_wait_for_the_next_batch(paid_work, manager, local_storage) -> None:
    alice, _ = paid_work
    first = payout_batch_close(period_end=timezone.now(), created_by=manager)
    late = bonus_grant(contractor=alice, amount=Decimal("1"), reason="late", created_by=manager)
    second = payout_batch_close(period_end=timezone.now(), created_by=manager)
    assert first.lines.count() == 5
    assert list(second.lines.values_list("entry_id", flat=True)) == [late.pk]
    assert parse_csv(storage.read_bytes(second.csv_uri)) == [
        {
            "contractor_id": str(alice.pk),
            "email": alice.email,
            "currency": "USD",
            "entries": "1",
            "total": "1.00",
            "carried": "0.0000",
        }
    ]


def test_a_period_must_be_over_and_not_before_the_last_closed_one(paid_work, manager, local_storage) -> None:
    with pytest.raises(DomainError) as future:
        payout_batch_close(period_end=timezone.now() + dt.timedelta(hours=1), created_by=manager)
    assert future.value.code == "period_not_over"
    payout_batch_close(period_end=timezone.now(), created_by=manager)
    with pytest.raises(Conflict):
        payout_batch_close(period_end=timezone.now() - dt.timedelta(days=1), created_by=manager)
    assert PayoutBatch.objects.count() == 1


def test_marking_paid_is_recorded_once(paid_work, manager, local_storage) -> None:
    batch = payout_batch_close(period_end=timezone.now(), created_by=manager)
    paid = payout_batch_mark_paid(batch=batch, by=manager, reference="WIRE-001")
    assert (paid.status, paid.paid_by, paid.paid_reference) == (PayoutStatus.PAID, manager, "WIRE-001")
    paid_at = paid.paid_at
    assert payout_batch_mark_paid(batch=batch, by=manager, reference="WIRE-001").paid_at == paid_at
    with pytest.raises(Conflict):
        payout_batch_mark_paid(batch=batch, by=manager, reference="WIRE-002")


def test_spreadsheet_formulas_in_emails_are_neutralised(manager, local_storage) -> None:
    sneaky = new_contractor(email="=HYPERLINK(1)@example.com")
    bonus_grant(contractor=sneaky, amount=Decimal("1"), reason="x", created_by=manager)
    batch = payout_batch_close(period_end=timezone.now(), created_by=manager)
    assert parse_csv(storage.read_bytes(batch.csv_uri))[0]["email"] == "'=HYPERLINK(1)@example.com"
