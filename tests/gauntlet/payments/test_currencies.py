"""No report adds money across currencies (issue 12, item 9): ledger totals, a contractor's
earnings, a queue's cost and the payments page each keep every currency apart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from gauntlet.accounts.models import User
from gauntlet.payments.selectors import contractor_earnings, ledger_list, ledger_totals, queue_cost
from gauntlet.payments.services import adjustment_create, bonus_grant
from gauntlet.workqueue.models import Queue
from gauntlet.workqueue.services import assignment_review
from tests.gauntlet.payments.conftest import do_work, make_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_currencies(contractor: User, manager: User) -> None:
    """0.40 USD task pay and a 1.00 USD bonus on a USD queue, a 3.00 EUR adjustment on it too."""
    queue = make_queue(created_by=manager, pay_per_task=Decimal("0.40"), currency="USD")
    assignment = do_work(queue, contractor)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    bonus_grant(contractor=contractor, amount=Decimal("1"), reason="good", created_by=manager, queue=queue)
    adjustment_create(
        contractor=contractor, amount=Decimal("3"), currency="EUR", queue=queue, reason="EUR top-up",
        created_by=manager,
    )  # fmt: skip


def test_ledger_totals_are_per_currency(two_currencies: None, contractor: User) -> None:
    totals = ledger_totals(ledger_list(contractor_id=contractor.pk))
    assert [(r["currency"], r["amount"], r["entries"]) for r in totals["by_currency"]] == [
        ("EUR", Decimal("3.0000"), 1),
        ("USD", Decimal("1.4000"), 2),
    ]
    assert {(r["currency"], r["kind"]) for r in totals["by_kind"]} == {
        ("EUR", "adjustment"),
        ("USD", "bonus"),
        ("USD", "task_pay"),
    }


def test_a_contractors_earnings_are_per_currency(two_currencies: None, contractor: User) -> None:
    totals = {
        row["currency"]: row["approved"] for row in contractor_earnings(contractor=contractor)["totals"]
    }
    assert totals == {"EUR": Decimal("3.0000"), "USD": Decimal("1.4000")}


def test_a_queues_cost_counts_only_its_currency_and_says_what_it_left_out(
    two_currencies: None, contractor: User
) -> None:
    queue = Queue.objects.get(ledger_entries__contractor=contractor, ledger_entries__kind="task_pay")
    cost = queue_cost(queue=queue)
    assert (cost["currency"], cost["pay"], cost["bonuses"], cost["total"]) == (
        "USD",
        Decimal("0.4000"),
        Decimal("1.0000"),
        Decimal("1.4000"),
    )
    assert cost["other_currency_entries"] == 1


def test_the_payments_page_shows_one_row_per_currency(
    two_currencies: None, contractor: User, manager: User
) -> None:
    client = Client()
    client.force_login(manager)
    rows = client.get("/manage/payments/").context["totals"]
    assert [(r["contractor__email"], r["currency"], r["total"]) for r in rows] == [
        (contractor.email, "EUR", Decimal("3.0000")),
        (contractor.email, "USD", Decimal("1.4000")),
    ]
