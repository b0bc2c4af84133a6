"""The cost per adversarial example never adds money across currencies (issue 12, item 9)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attacks.reports import Attempt, _ledger, _summarise
from gauntlet.accounts.models import User
from gauntlet.payments.services import adjustment_create
from gauntlet.workqueue.services import assignment_review
from tests.gauntlet.payments.conftest import do_work, make_queue


def _attempt(
    *,
    verified: bool = True,
    attack_pay: dict[str, Decimal] | None = None,
    bonus: dict[str, Decimal] | None = None,
    verification: dict[str, Decimal] | None = None,
) -> Attempt:
    return Attempt(
        version="v1", source="manual", contractor="a@example.com", minutes=10.0, submitted=True, verified=verified,
        attack_pay=attack_pay or {}, bonus=bonus or {}, verification=verification or {},
    )  # fmt: skip


def test_a_row_with_money_in_two_currencies_reports_each_and_adds_none() -> None:
    attempts = [
        _attempt(attack_pay={"USD": Decimal("1.0000")}, bonus={"USD": Decimal("2.0000")}),
        _attempt(attack_pay={"EUR": Decimal("3.0000")}),
        _attempt(verified=False, verification={"EUR": Decimal("0.5000")}),
    ]
    row = _summarise(attempts)
    assert row["verified"] == 2
    by_currency = {m["currency"]: m for m in row["money_by_currency"]}
    assert set(by_currency) == {"EUR", "USD"}
    assert by_currency["USD"]["money"] == {"attack_pay": "1.0000", "bonuses": "2.0000", "verification": "0"}
    assert by_currency["USD"]["money_total"] == "3.0000"
    assert by_currency["USD"]["money_per_example"] == "1.5000"  # 3 USD over 2 verified examples
    assert by_currency["EUR"]["money_total"] == "3.5000"
    assert by_currency["EUR"]["money_per_example"] == "1.7500"
    # No figure adds dollars to euros.
    assert (row["currency"], row["money_total"], row["money_per_example"]) == (None, None, None)
    with pytest.raises(ValueError, match="several currencies"):
        _ = Attempt(
            version="v1", source="manual", contractor=None, minutes=0.0, submitted=True, verified=True,
            attack_pay={"USD": Decimal(1)}, verification={"EUR": Decimal(1)},
        ).money  # fmt: skip


def test_a_row_in_one_currency_keeps_its_plain_figures() -> None:
    row = _summarise([_attempt(attack_pay={"GBP": Decimal("0.5000")}), _attempt(verified=False)])
    assert row["currency"] == "GBP"
    assert row["money_total"] == "0.5000"
    assert row["money_per_example"] == "0.5000"
    assert [m["currency"] for m in row["money_by_currency"]] == ["GBP"]


def test_a_row_that_cost_nothing_says_zero() -> None:
    row = _summarise([_attempt()])
    assert (row["currency"], row["money_total"], row["money_per_example"]) == (None, "0", "0.0000")
    assert row["money_by_currency"] == []


@pytest.mark.django_db
def test_the_ledger_read_keeps_each_currency_apart(contractor: User, manager: User) -> None:
    queue = make_queue(created_by=manager, pay_per_task=Decimal("0.40"), currency="USD")
    assignment = do_work(queue, contractor)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    adjustment_create(
        contractor=contractor,
        amount=Decimal("0.30"),
        currency="EUR",
        assignment=assignment,
        reason="paid the EUR supplement",
        created_by=manager,
    )
    ledger = _ledger(assignment_ids={assignment.pk}, item_ids={assignment.item_id}, references=set())
    assert ledger.by_assignment[assignment.pk] == {"USD": Decimal("0.4000"), "EUR": Decimal("0.3000")}
    assert ledger.by_item[assignment.item_id] == {"USD": Decimal("0.4000"), "EUR": Decimal("0.3000")}
