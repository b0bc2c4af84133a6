"""Claiming: the rules a single contractor notices (order, exclusions, eligibility, expiry)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gauntlet.accounts.models import Qualification
from gauntlet.errors import Forbidden
from gauntlet.workqueue.exceptions import ClaimRefused
from gauntlet.workqueue.models import AssignmentStatus, QueueState, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_submit, claim_function
from tests.factories import new_contractor, new_manager
from tests.gauntlet.workqueue.conftest import make_items, make_queue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["function", "statements"])
def claim_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every rule holds both ways a claim runs on PostgreSQL: one call of the claim
    function, and statement by statement (what the function hands back, and a database
    not migrated since the function changed)."""
    if request.param == "statements":
        monkeypatch.setattr(claim_function, "available", lambda: False)
    return str(request.param)


def test_claim_leases_highest_priority_then_closest_to_completion() -> None:
    queue = make_queue(overlap=3)
    low, started, fresh_high, started_high = make_items(queue, 4)
    WorkItem.objects.filter(pk=started.pk).update(judgments_received=2)
    WorkItem.objects.filter(pk=fresh_high.pk).update(priority=5)
    WorkItem.objects.filter(pk=started_high.pk).update(priority=5, judgments_received=1)

    picks = []
    for _ in range(6):
        contractor = new_contractor()
        assignment = assignment_claim(queue=queue, contractor=contractor)
        assert assignment is not None
        picks.append(assignment.item_id)
    # An item keeps its place while it has a free slot (received + leased < 3).
    assert picks == [started_high.pk] * 2 + [fresh_high.pk] * 3 + [started.pk]


def test_claim_returns_the_open_assignment_instead_of_leasing_another() -> None:
    queue = make_queue()
    make_items(queue, 3)
    contractor = new_contractor()
    first = assignment_claim(queue=queue, contractor=contractor)
    again = assignment_claim(queue=queue, contractor=contractor)
    assert first is not None and again is not None
    assert again.pk == first.pk
    assert WorkItem.objects.filter(active_leases__gt=0).count() == 1


def test_claim_never_offers_an_item_the_contractor_judged_or_authored() -> None:
    contractor = new_contractor()
    queue = make_queue(overlap=5)
    authored, judged = make_items(queue, 2)
    WorkItem.objects.filter(pk=authored.pk).update(author=contractor)
    assignment = assignment_claim(queue=queue, contractor=contractor)
    assert assignment is not None and assignment.item_id == judged.pk
    assignment_submit(assignment=assignment, contractor=contractor, data={"answer": "yes"})
    assert assignment_claim(queue=queue, contractor=contractor) is None


def test_claim_never_exceeds_judgments_wanted_counting_leases() -> None:
    queue = make_queue(overlap=2)
    make_items(queue, 1)
    a = assignment_claim(queue=queue, contractor=new_contractor())
    b = assignment_claim(queue=queue, contractor=new_contractor())
    assert a is not None and b is not None
    assert assignment_claim(queue=queue, contractor=new_contractor()) is None


def test_claim_reuses_an_expired_lease_without_waiting_for_the_sweeper() -> None:
    queue = make_queue(overlap=1)
    (item,) = make_items(queue, 1)
    first_contractor = new_contractor()
    first = assignment_claim(queue=queue, contractor=first_contractor)
    assert first is not None
    first.lease_expires_at = timezone.now() - timedelta(seconds=1)
    first.save(update_fields=["lease_expires_at"])

    second = assignment_claim(queue=queue, contractor=new_contractor())
    assert second is not None and second.item_id == item.pk
    first.refresh_from_db()
    item.refresh_from_db()
    assert first.status == AssignmentStatus.EXPIRED
    assert item.active_leases == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("blocked", "blocked"),
        ("probation", "not_qualified"),
        ("inactive", "inactive"),
        ("paused", "queue_not_open"),
        ("manager", "not_a_contractor"),
    ],
)
def test_claim_refuses_ineligible_contractors_saying_why(setup: str, code: str) -> None:
    queue = make_queue()
    make_items(queue, 1)
    contractor = new_manager() if setup == "manager" else new_contractor()
    if setup in ("blocked", "probation"):
        contractor.contractor_profile.qualification = (
            Qualification.BLOCKED if setup == "blocked" else Qualification.PROBATION
        )
        contractor.contractor_profile.save()
    if setup == "inactive":
        contractor.contractor_profile.is_active = False
        contractor.contractor_profile.save()
    if setup == "paused":
        queue.state = QueueState.PAUSED
        queue.save()
    with pytest.raises(ClaimRefused) as refused:
        assignment_claim(queue=queue, contractor=contractor)
    assert refused.value.code == code
    assert isinstance(refused.value, Forbidden)


def test_claim_is_one_prepared_call_of_the_installed_claim_function(claim_path: str) -> None:
    """migrate installs the claim function this code calls; a claim is one call of it,
    a statement prepared once per connection. (Django turns psycopg's prepared statements
    off by default; the settings turn them back on for the hot path.)"""
    from django.db import connection

    queue = make_queue()
    make_items(queue, 3)
    for _ in range(3):
        assert assignment_claim(queue=queue, contractor=new_contractor()) is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    calls = [statement for statement in prepared if "gauntlet_claim_" in statement]
    if claim_path == "function":
        assert claim_function.available()
        assert len(calls) == 1  # planned once, reused by all three claims
    else:
        assert calls == []
        # The statement path's pick-take-insert, with its constants spelled out so that
        # the generic plan can use the partial claim index.
        (pick,) = [statement for statement in prepared if "FOR UPDATE SKIP LOCKED" in statement]
        assert "'open'" in pick
