"""Blocked means blocked (issue 12, item 8).

Every way of blocking a contractor (the admin, ``PATCH /contractors/{id}/``, the rater
block, deactivating them) gives their open leases back at once; heartbeat and submit
refuse a blocked or inactive contractor (and give back a lease such a contractor
still holds); auto-approval holds their submitted work for a manager's review.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gauntlet.accounts.models import ContractorProfile, Qualification, User
from gauntlet.payments.services import assignments_auto_approve_due
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_submit
from tests.conftest import client_for
from tests.factories import new_contractor, new_manager
from tests.gauntlet.workqueue.conftest import make_items, make_queue

pytestmark = pytest.mark.django_db


def _leased(queue: Queue, contractor: User) -> Assignment:
    make_items(queue, 1)
    lease = assignment_claim(queue=queue, contractor=contractor)
    assert lease is not None
    return lease


def _assert_released(lease: Assignment) -> None:
    lease.refresh_from_db()
    assert lease.status == AssignmentStatus.RELEASED
    assert WorkItem.objects.get(pk=lease.item_id).active_leases == 0  # back in the queue at once


@pytest.mark.parametrize(
    "change",
    [{"qualification": "blocked", "note": "spam"}, {"is_active": False}],
    ids=["block", "deactivate"],
)
def test_patch_contractor_releases_open_leases(change: dict[str, object]) -> None:
    contractor = new_contractor()
    lease = _leased(make_queue(), contractor)
    response = client_for(new_manager()).patch(f"/api/v1/contractors/{contractor.pk}/", change, format="json")
    assert response.status_code == 200, response.content
    _assert_released(lease)


def test_admin_block_releases_open_leases() -> None:
    contractor = new_contractor()
    lease = _leased(make_queue(), contractor)
    admin = Client()
    admin.force_login(new_manager(is_superuser=True))
    profile = ContractorProfile.objects.get(user=contractor)
    response = admin.post(
        f"/admin/accounts/contractorprofile/{profile.pk}/change/",
        {
            "user": contractor.pk,
            "hourly_rate": "15.00",
            "currency": "USD",
            "qualification": Qualification.BLOCKED,
            "is_active": "on",
            "note": "blocked in the admin",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ContractorProfile.objects.get(user=contractor).qualification == Qualification.BLOCKED
    _assert_released(lease)


def test_admin_deactivating_the_user_releases_open_leases() -> None:
    contractor = new_contractor()
    lease = _leased(make_queue(), contractor)
    User.objects.filter(pk=contractor.pk).update(is_active=False)  # what the admin's user form saves
    from gauntlet.accounts.services import contractor_standing_changed

    contractor_standing_changed(contractor=User.objects.get(pk=contractor.pk))
    _assert_released(lease)


def test_rater_block_releases_open_leases() -> None:
    contractor = new_contractor()
    lease = _leased(make_queue(), contractor)
    response = client_for(new_manager()).post(
        f"/api/v1/raters/{contractor.pk}/block/", {"note": "bad gold"}, format="json"
    )
    assert response.status_code == 200, response.content
    _assert_released(lease)


@pytest.mark.parametrize(
    ("update", "code"),
    [({"qualification": Qualification.BLOCKED}, "blocked"), ({"is_active": False}, "inactive")],
)
def test_heartbeat_and_submit_refuse_a_blocked_or_inactive_contractor(
    update: dict[str, object], code: str
) -> None:
    contractor = new_contractor()
    queue = make_queue(max_open_assignments=2)
    first, second = _leased(queue, contractor), _leased(queue, contractor)
    # Standing changed behind the services' back (a raw update): the engine must still refuse.
    ContractorProfile.objects.filter(user=contractor).update(**update)
    client = client_for(contractor)
    beat = client.post(f"/api/v1/assignments/{first.pk}/heartbeat/")
    assert beat.status_code == 403, beat.content
    assert beat.json()["error"]["code"] == code
    submit = client.post(f"/api/v1/assignments/{second.pk}/submit/", {"answer": "yes"}, format="json")
    assert submit.status_code == 403, submit.content
    assert submit.json()["error"]["code"] == code
    for lease in (first, second):  # the refused leases went back to the queue
        _assert_released(lease)


def test_auto_approval_holds_work_of_a_blocked_contractor_for_review() -> None:
    blocked, fine = new_contractor(), new_contractor()
    queue = make_queue(overlap=2, auto_approve_seconds=10)
    make_items(queue, 1)
    done = []
    for contractor in (blocked, fine):
        lease = assignment_claim(queue=queue, contractor=contractor)
        assert lease is not None
        done.append(assignment_submit(assignment=lease, contractor=contractor, data={"answer": "yes"}))
    Assignment.objects.filter(pk__in=[a.pk for a in done]).update(
        submitted_at=timezone.now() - timedelta(minutes=5)
    )
    ContractorProfile.objects.filter(user=blocked).update(qualification=Qualification.BLOCKED)
    assert assignments_auto_approve_due() == 1
    statuses = dict(
        Assignment.objects.filter(pk__in=[a.pk for a in done]).values_list("contractor", "status")
    )
    assert statuses == {blocked.pk: AssignmentStatus.SUBMITTED, fine.pk: AssignmentStatus.APPROVED}
