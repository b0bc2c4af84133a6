"""Property: whatever the queues' rules and the work done, the ledger equals Σ approved work × rates, exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gauntlet.payments.models import LedgerEntry
from gauntlet.workqueue.services import assignment_review
from tests.factories import new_contractor, new_manager
from tests.gauntlet.payments.conftest import do_work, make_queue

pytestmark = pytest.mark.django_db

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)
queue_rules = st.one_of(
    st.fixed_dictionaries(
        {"pay_mode": st.just("per_task"), "pay_per_task": st.decimals(min_value=0, max_value=50, places=4)}
    ),
    st.fixed_dictionaries(
        {
            "pay_mode": st.just("hourly"),
            "hourly_rate": st.one_of(st.none(), money),
            "max_minutes_per_task": st.integers(min_value=1, max_value=90),
        }
    ),
)
work_done = st.lists(
    st.tuples(st.integers(min_value=0, max_value=7200), st.booleans()), min_size=1, max_size=4
)  # (active seconds, approved?)


def expected_pay(rules: dict, own_rate: Decimal, seconds: int) -> Decimal:  # type: ignore[type-arg]
    """The pay rule restated independently: per task, or rate × capped seconds / 3600, 4 places half up."""
    if rules["pay_mode"] == "per_task":
        return Decimal(rules["pay_per_task"]).quantize(Decimal("0.0001"))
    rate = rules["hourly_rate"] if rules["hourly_rate"] is not None else own_rate
    capped = min(seconds, rules["max_minutes_per_task"] * 60)
    return (rate * capped / 3600).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=queue_rules, own_rate=money, work=work_done)
def test_ledger_total_equals_approved_work_times_rates(rules: dict, own_rate: Decimal, work: list) -> None:  # type: ignore[type-arg]
    manager = new_manager()
    contractor = new_contractor(profile__hourly_rate=own_rate)
    queue = make_queue(created_by=manager, **rules)
    expected = Decimal(0)
    for seconds, approved in work:
        assignment = do_work(queue, contractor, active_seconds=seconds)
        assignment_review(assignment=assignment, approved=approved, reviewer=manager)
        assignment_review(
            assignment=assignment, approved=approved, reviewer=manager
        )  # a retry changes nothing
        if approved:
            expected += expected_pay(rules, own_rate, seconds)
    total = LedgerEntry.objects.filter(contractor=contractor).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)
    assert total == expected
    assert LedgerEntry.objects.filter(contractor=contractor).count() == sum(
        1 for seconds, approved in work if approved and expected_pay(rules, own_rate, seconds) > 0
    )
