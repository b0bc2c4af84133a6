"""A contractor's standing and a queue's state and pay: each change leaves exactly one audit
record, with who made it and what it was before and after, whichever way it was made."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from gauntlet.accounts.models import ContractorProfile, Qualification, User
from gauntlet.audit.actions import AuditAction
from gauntlet.audit.models import AuditRecord
from gauntlet.audit.selectors import audit_records_for
from gauntlet.workqueue.models import QueueState
from gauntlet.workqueue.services import queue_change_record
from labeling.services.raters import rater_block, rater_probation
from tests.conftest import client_for
from tests.factories import ContractorFactory, ManagerFactory, QueueFactory

pytestmark = pytest.mark.django_db


def _only_record(subject: object) -> AuditRecord:
    records = list(audit_records_for(subject=subject))  # type: ignore[arg-type]
    assert len(records) == 1, [(r.action, r.before, r.after) for r in records]
    return records[0]


def test_a_second_qualification_change_keeps_the_first_ones_note() -> None:
    contractor, manager = ContractorFactory(), ManagerFactory()
    client = client_for(manager)
    url = f"/api/v1/contractors/{contractor.pk}/"
    first = client.patch(url, {"qualification": "probation", "note": "three gold misses"}, format="json")
    assert first.status_code == 200, first.content
    second = client.patch(url, {"qualification": "qualified", "note": "retrained"}, format="json")
    assert second.status_code == 200, second.content

    older, newer = audit_records_for(subject=contractor).order_by("id")
    assert (older.action, older.actor, older.note) == (
        AuditAction.CONTRACTOR_QUALIFICATION,
        manager,
        "three gold misses",
    )
    assert older.before == {"qualification": "qualified"} and older.after == {"qualification": "probation"}
    assert (newer.note, newer.before, newer.after) == (
        "retrained",
        {"qualification": "probation"},
        {"qualification": "qualified"},
    )


def test_patching_pay_and_the_active_flag_records_each_and_a_repeat_records_nothing() -> None:
    contractor, manager = ContractorFactory(), ManagerFactory()
    client = client_for(manager)
    url = f"/api/v1/contractors/{contractor.pk}/"
    assert client.patch(url, {"hourly_rate": "18.50"}, format="json").status_code == 200
    assert client.patch(url, {"hourly_rate": "18.50"}, format="json").status_code == 200
    pay = _only_record(contractor)
    assert (pay.action, pay.actor) == (AuditAction.CONTRACTOR_PAY, manager)
    assert pay.before == {"hourly_rate": "15.00"} and pay.after == {"hourly_rate": "18.50"}
    assert client.patch(url, {"is_active": False}, format="json").status_code == 200
    active = audit_records_for(subject=contractor).get(action=AuditAction.CONTRACTOR_ACTIVE)
    assert active.before == {"is_active": True} and active.after == {"is_active": False}


def test_blocking_through_the_engine_api_records_one_block() -> None:
    contractor, manager = ContractorFactory(), ManagerFactory()
    response = client_for(manager).post(
        f"/api/v1/contractors/{contractor.pk}/block/", {"note": "copied answers"}, format="json"
    )
    assert response.status_code == 200, response.content
    block = _only_record(contractor)
    assert (block.action, block.actor, block.note) == (
        AuditAction.CONTRACTOR_BLOCK,
        manager,
        "copied answers",
    )
    assert block.before == {"qualification": "qualified"} and block.after == {"qualification": "blocked"}


def test_rater_probation_then_block_records_two_changes_by_the_manager() -> None:
    rater, manager = ContractorFactory(), ManagerFactory()
    rater_probation(rater=rater, by=manager, note="low agreement")
    rater_block(rater=rater, by=manager)
    rater_block(rater=rater, by=manager)  # idempotent: no second block record
    probation, block = audit_records_for(subject=rater).order_by("id")
    assert (probation.action, probation.actor, probation.note) == (
        AuditAction.CONTRACTOR_QUALIFICATION,
        manager,
        "low agreement",
    )
    assert (block.action, block.actor) == (AuditAction.CONTRACTOR_BLOCK, manager)
    assert block.before == {"qualification": "probation"}


def test_a_block_in_the_admin_is_recorded_with_the_admin_user() -> None:
    contractor = ContractorFactory()
    superuser: User = ManagerFactory(is_superuser=True)
    admin = Client()
    admin.force_login(superuser)
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
    block = _only_record(contractor)
    assert (block.action, block.actor, block.note) == (
        AuditAction.CONTRACTOR_BLOCK,
        superuser,
        "blocked in the admin",
    )
    listing = admin.get("/admin/audit/auditrecord/")
    assert listing.status_code == 200 and b"contractor.block" in listing.content


def test_open_pause_close_each_record_the_state_change_and_who_made_it() -> None:
    queue = QueueFactory(state=QueueState.DRAFT)
    manager = ManagerFactory()
    client = client_for(manager)
    for action in ("open", "open", "pause", "close"):  # the repeated open changes nothing
        assert client.post(f"/api/v1/queues/{queue.pk}/{action}/").status_code == 200
    records = list(audit_records_for(subject=queue).order_by("id"))
    assert [(r.action, r.actor, r.before["state"], r.after["state"]) for r in records] == [
        (AuditAction.QUEUE_STATE, manager, "draft", "open"),
        (AuditAction.QUEUE_STATE, manager, "open", "paused"),
        (AuditAction.QUEUE_STATE, manager, "paused", "closed"),
    ]


def test_a_refused_transition_leaves_no_record() -> None:
    queue = QueueFactory(state=QueueState.CLOSED)
    assert client_for(ManagerFactory()).post(f"/api/v1/queues/{queue.pk}/open/").status_code == 409
    assert not AuditRecord.objects.exists()


def test_a_queue_change_is_recorded_as_pay_and_settings_separately() -> None:
    queue, manager = QueueFactory(), ManagerFactory()
    records = queue_change_record(
        queue=queue,
        actor=manager,
        before={"pay_per_task": Decimal("0.10"), "overlap": 3, "name": "same"},
        after={"pay_per_task": Decimal("0.25"), "overlap": 5, "name": "same"},
    )
    assert len(records) == 2  # the unchanged name is not recorded
    pay, settings = audit_records_for(subject=queue).order_by("action")  # as stored (JSON)
    assert (pay.action, pay.before, pay.after) == (
        AuditAction.QUEUE_PAY,
        {"pay_per_task": "0.10"},
        {"pay_per_task": "0.25"},
    )
    assert (settings.action, settings.before, settings.after) == (
        AuditAction.QUEUE_SETTINGS,
        {"overlap": 3},
        {"overlap": 5},
    )


def test_pay_and_state_changed_in_the_admin_are_recorded_with_the_admin_user() -> None:
    queue = QueueFactory(state=QueueState.OPEN, pay_per_task=Decimal("0.10"))
    superuser: User = ManagerFactory(is_superuser=True)
    admin = Client()
    admin.force_login(superuser)
    data = {
        name: json.dumps(value) if isinstance(value, dict | list) else ("" if value is None else value)
        for name, value in model_to_dict(queue).items()
    }
    data.update(pay_per_task="0.25", state=QueueState.PAUSED)
    response = admin.post(f"/admin/workqueue/queue/{queue.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    records = {r.action: r for r in audit_records_for(subject=queue)}
    assert set(records) == {AuditAction.QUEUE_PAY, AuditAction.QUEUE_STATE}
    pay, state = records[AuditAction.QUEUE_PAY], records[AuditAction.QUEUE_STATE]
    assert (pay.actor, pay.before, pay.after) == (
        superuser,
        {"pay_per_task": "0.1000"},
        {"pay_per_task": "0.2500"},
    )
    assert (state.actor, state.before, state.after) == (superuser, {"state": "open"}, {"state": "paused"})
