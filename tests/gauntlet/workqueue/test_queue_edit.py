"""A manager edits a queue: PATCH /api/v1/queues/{id}/ (and the service behind it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from gauntlet.accounts.models import User
from gauntlet.audit.models import AuditRecord
from gauntlet.payments.models import LedgerEntry
from gauntlet.workqueue.models import Queue, QueueState
from gauntlet.workqueue.services import assignment_claim, assignment_review, assignment_submit
from tests.factories import new_contractor
from tests.gauntlet.workqueue.conftest import TEST_KIND, make_items, make_queue

pytestmark = pytest.mark.django_db


def test_manager_edits_pay_and_settings_and_each_change_is_audited(
    manager_client: APIClient, manager: User
) -> None:
    queue = make_queue(pay_per_task="0.10", overlap=2, lease_seconds=600)
    response = manager_client.patch(
        f"/api/v1/queues/{queue.pk}/",
        {"pay_per_task": "0.25", "currency": "EUR", "overlap": 3, "eligible_qualifications": ["probation"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["pay_per_task"], body["currency"], body["overlap"]) == ("0.2500", "EUR", 3)
    assert body["eligible_qualifications"] == ["probation"]
    assert body["lease_seconds"] == 600  # left out: unchanged
    queue.refresh_from_db()
    assert queue.pay_per_task == Decimal("0.25")

    records = {r.action: r for r in AuditRecord.objects.filter(subject_id=queue.pk)}
    pay = records["queue.pay"]
    assert pay.actor_id == manager.pk
    assert pay.before == {"currency": "USD", "pay_per_task": "0.1000"}
    assert pay.after == {"currency": "EUR", "pay_per_task": "0.2500"}
    settings = records["queue.settings"]
    assert settings.before == {"eligible_qualifications": ["qualified"], "overlap": 2}
    assert settings.after == {"eligible_qualifications": ["probation"], "overlap": 3}


def test_an_edit_of_the_pay_does_not_reprice_work_already_claimed(
    manager_client: APIClient, manager: User
) -> None:
    queue = make_queue(pay_per_task="0.10")
    make_items(queue, 1)
    contractor = new_contractor()
    claimed = assignment_claim(queue=queue, contractor=contractor)
    assert claimed is not None
    edited = manager_client.patch(f"/api/v1/queues/{queue.pk}/", {"pay_per_task": "0.70"}, format="json")
    assert edited.status_code == 200, edited.content
    submitted = assignment_submit(assignment=claimed, contractor=contractor, data={"answer": "yes"})
    assignment_review(assignment=submitted, approved=True, reviewer=manager)
    assert LedgerEntry.objects.get(assignment=claimed).amount == Decimal("0.1000")


def test_an_edit_that_changes_nothing_writes_no_audit_record(manager_client: APIClient) -> None:
    queue = make_queue(pay_per_task="0.10")
    response = manager_client.patch(f"/api/v1/queues/{queue.pk}/", {"pay_per_task": "0.1000"}, format="json")
    assert response.status_code == 200, response.content
    assert not AuditRecord.objects.filter(subject_id=queue.pk).exists()


def test_a_bad_kind_setting_is_a_400_naming_the_setting_and_nothing_changes(
    manager_client: APIClient,
) -> None:
    queue = make_queue(kind="rewrite", pay_per_task="0.10")
    response = manager_client.patch(
        f"/api/v1/queues/{queue.pk}/",
        {"pay_per_task": "0.50", "kind_settings": {"condition": "telepathy", "colour": "red"}},
        format="json",
    )
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert "One of" in fields["kind_settings.condition"][0]
    assert fields["kind_settings.colour"] == ["Not a setting of rewrite queues."]
    queue.refresh_from_db()
    assert queue.pay_per_task == Decimal("0.10")  # all or nothing
    assert not AuditRecord.objects.filter(subject_id=queue.pk).exists()


def test_good_kind_settings_are_stored_as_the_kind_cleans_them(manager_client: APIClient) -> None:
    queue = make_queue(kind="rewrite")
    response = manager_client.patch(
        f"/api/v1/queues/{queue.pk}/", {"kind_settings": {"condition": "manual"}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["kind_settings"] == {"condition": "manual"}


def test_bad_plain_fields_get_field_errors(manager_client: APIClient) -> None:
    queue = make_queue()
    response = manager_client.patch(
        f"/api/v1/queues/{queue.pk}/",
        {
            "overlap": 0,
            "gold_rate": "2",
            "pay_per_task": "-1",
            "colour": "red",
            "eligible_qualifications": [],
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert fields["colour"] == ["Not a queue field."]
    assert response.json()["error"]["code"] == "validation_error"
    # Unknown fields are refused before anything else is looked at.
    response = manager_client.patch(
        f"/api/v1/queues/{queue.pk}/",
        {"overlap": 0, "gold_rate": "2", "eligible_qualifications": ["blocked"]},
        format="json",
    )
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"overlap", "gold_rate", "eligible_qualifications"}


def test_state_changes_only_through_open_pause_close(manager_client: APIClient) -> None:
    queue = make_queue(state=QueueState.DRAFT)
    response = manager_client.patch(f"/api/v1/queues/{queue.pk}/", {"state": "open"}, format="json")
    assert response.status_code == 400
    assert "open, pause or close" in response.json()["error"]["fields"]["state"][0]
    assert Queue.objects.get(pk=queue.pk).state == QueueState.DRAFT


def test_the_kind_is_fixed_once_the_queue_has_items(manager_client: APIClient) -> None:
    queue = make_queue(state=QueueState.DRAFT)
    make_items(queue, 2)
    response = manager_client.patch(f"/api/v1/queues/{queue.pk}/", {"kind": "injury_label"}, format="json")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "kind_fixed"
    assert "has 2" in error["message"]
    assert "kind" in error["fields"]
    assert Queue.objects.get(pk=queue.pk).kind == TEST_KIND


def test_the_kind_is_fixed_once_the_queue_was_opened(manager_client: APIClient) -> None:
    queue = make_queue(state=QueueState.PAUSED)
    response = manager_client.patch(f"/api/v1/queues/{queue.pk}/", {"kind": "injury_label"}, format="json")
    assert response.status_code == 409
    assert "draft" in response.json()["error"]["message"]


def test_a_draft_without_items_may_change_kind_and_its_settings_are_checked_by_the_new_kind(
    manager_client: APIClient,
) -> None:
    queue = make_queue(state=QueueState.DRAFT)
    response = manager_client.patch(
        f"/api/v1/queues/{queue.pk}/",
        {"kind": "rewrite", "kind_settings": {"condition": "manual"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["kind_settings"]) == ("rewrite", {"condition": "manual"})
    unknown = manager_client.patch(f"/api/v1/queues/{queue.pk}/", {"kind": "astrology"}, format="json")
    assert unknown.status_code == 400
    assert "Unknown kind" in unknown.json()["error"]["fields"]["kind"][0]


def test_a_closed_queue_cannot_be_edited(manager_client: APIClient) -> None:
    queue = make_queue(state=QueueState.CLOSED)
    response = manager_client.patch(f"/api/v1/queues/{queue.pk}/", {"pay_per_task": "1"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "queue_closed"


def test_only_managers_edit_queues(contractor_client: APIClient, manager_client: APIClient) -> None:
    queue = make_queue()
    response = contractor_client.patch(f"/api/v1/queues/{queue.pk}/", {"pay_per_task": "9"}, format="json")
    assert response.status_code == 403
    assert manager_client.patch(f"/api/v1/queues/{queue.pk + 1000}/", {}, format="json").status_code == 404


def test_the_schema_documents_the_edit_body() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/queues/{queue_id}/"]["patch"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"pay_per_task", "kind_settings", "eligible_qualifications", "overlap"} <= set(
        component["properties"]
    )
    assert "state" not in component["properties"]
    assert not component.get("required")  # a PATCH: every field optional
