"""Payout rows are exact (issue 12 item 9): each is a whole number of the currency's minor unit and
never negative; what rounding or a deduction leaves over is carried to the contractor's next batch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from gauntlet.payments.selectors import payout_batch_rows
from gauntlet.payments.services import adjustment_create, bonus_grant, payout_batch_close
from tests.factories import new_contractor

pytestmark = pytest.mark.django_db


def _row(batch, contractor):  # type: ignore[no-untyped-def]
    (row,) = [r for r in payout_batch_rows(batch=batch) if r["contractor_id"] == contractor.pk]
    return row


def test_a_fraction_of_a_cent_is_carried_not_paid(manager, local_storage) -> None:  # type: ignore[no-untyped-def]
    alice = new_contractor()
    for _ in range(3):
        bonus_grant(contractor=alice, amount=Decimal("0.0125"), reason="tiny", created_by=manager)
    first = payout_batch_close(period_end=timezone.now(), created_by=manager)
    row = _row(first, alice)
    assert (row["total"], row["carried"]) == (Decimal("0.03"), Decimal("0.0075"))
    assert row["total"] == row["total"].quantize(Decimal("0.01"))

    bonus_grant(contractor=alice, amount=Decimal("0.0125"), reason="tiny", created_by=manager)
    second = payout_batch_close(period_end=timezone.now(), created_by=manager)
    row = _row(second, alice)
    # 0.0075 carried + 0.0125 = 0.02: paid in full, nothing lost over the two batches
    assert (row["total"], row["carried"]) == (Decimal("0.02"), Decimal("0"))


def test_a_deduction_larger_than_the_period_is_never_a_negative_payout(manager, local_storage) -> None:  # type: ignore[no-untyped-def]
    bob = new_contractor()
    bonus_grant(contractor=bob, amount=Decimal("1.00"), reason="work", created_by=manager)
    adjustment_create(contractor=bob, amount=Decimal("-3.00"), reason="clawback", created_by=manager)
    first = payout_batch_close(period_end=timezone.now(), created_by=manager)
    row = _row(first, bob)
    assert (row["total"], row["carried"]) == (Decimal("0.00"), Decimal("-2.0000"))

    bonus_grant(contractor=bob, amount=Decimal("5.00"), reason="work", created_by=manager)
    second = payout_batch_close(period_end=timezone.now(), created_by=manager)
    assert (_row(second, bob)["total"], _row(second, bob)["carried"]) == (Decimal("3.00"), Decimal("0"))


def test_a_currency_without_minor_units_pays_whole_units(manager, local_storage) -> None:  # type: ignore[no-untyped-def]
    yuki = new_contractor()
    bonus_grant(contractor=yuki, amount=Decimal("100.5"), reason="work", created_by=manager, currency="JPY")
    batch = payout_batch_close(period_end=timezone.now(), created_by=manager)
    row = _row(batch, yuki)
    assert (row["currency"], row["total"], row["carried"]) == ("JPY", Decimal("100"), Decimal("0.5"))
