"""Manager pages over HTTP with a manager's session (no browser needed): probation and block
from a rater's audit page, the payout batch's CSV export link, the queue edit form."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.test import Client

from gauntlet.accounts.models import ContractorProfile, Qualification, User
from gauntlet.audit.actions import AuditAction
from gauntlet.audit.models import AuditRecord
from gauntlet.payments.models import PayoutBatch
from gauntlet.payments.services import bonus_grant
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue
from gauntlet.workqueue.services import assignment_claim, items_add, queue_create
from tests.factories import new_contractor, new_manager
from tests.labeling.conftest import make_example

pytestmark = pytest.mark.django_db


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_probation_from_the_rater_audit_page_is_recorded_and_shown() -> None:
    manager, rater = new_manager(), new_contractor()
    client = _client_for(manager)
    audit_page = client.get(f"/manage/raters/{rater.pk}/")
    assert audit_page.status_code == 200
    assert f'action="/manage/raters/{rater.pk}/probation/"' in audit_page.content.decode()

    done = client.post(f"/manage/raters/{rater.pk}/probation/", {"note": "low kappa on round 3"}, follow=True)
    assert done.status_code == 200
    assert done.redirect_chain == [(f"/manage/raters/{rater.pk}/", 302)]
    assert f"{rater.email} put on probation." in done.content.decode()
    assert ContractorProfile.objects.get(user=rater).qualification == Qualification.PROBATION
    record = AuditRecord.objects.get(subject_id=rater.pk, action=AuditAction.CONTRACTOR_QUALIFICATION)
    assert record.actor_id == manager.pk
    assert "low kappa on round 3" in record.note


def test_block_from_the_rater_audit_page_releases_their_open_lease() -> None:
    manager, rater = new_manager(), new_contractor()
    queue = queue_create(created_by=manager, name="labels", kind="injury_label", state="open")
    items_add(queue=queue, items=[{"payload": {"example_id": make_example().pk}}])
    lease = assignment_claim(queue=queue, contractor=rater)
    assert lease is not None

    done = _client_for(manager).post(f"/manage/raters/{rater.pk}/block/", {"note": "bot"}, follow=True)
    assert f"{rater.email} blocked (open leases released)." in done.content.decode()
    assert ContractorProfile.objects.get(user=rater).qualification == Qualification.BLOCKED
    assert Assignment.objects.get(pk=lease.pk).status == AssignmentStatus.RELEASED
    assert AuditRecord.objects.filter(subject_id=rater.pk, action=AuditAction.CONTRACTOR_BLOCK).exists()


def test_probation_and_block_are_post_only_and_for_managers_only() -> None:
    rater = new_contractor()
    assert _client_for(new_manager()).get(f"/manage/raters/{rater.pk}/block/").status_code == 405
    assert _client_for(new_contractor()).post(f"/manage/raters/{rater.pk}/block/").status_code == 403
    assert ContractorProfile.objects.get(user=rater).qualification == Qualification.QUALIFIED


def test_a_manager_cannot_put_a_manager_on_probation() -> None:
    manager = new_manager()
    done = _client_for(manager).post(f"/manage/raters/{new_manager().pk}/probation/", follow=True)
    assert "Only contractors can be put on probation or blocked." in done.content.decode()


def test_the_payments_page_links_each_batch_to_its_csv_export() -> None:
    manager, contractor = new_manager(), new_contractor()
    bonus_grant(contractor=contractor, amount=Decimal("1.255"), reason="pilot", created_by=manager)
    bonus_grant(
        contractor=contractor, amount=Decimal("3"), reason="pilot", created_by=manager, currency="EUR"
    )
    client = _client_for(manager)
    closed = client.post("/manage/payments/close/", follow=True)
    assert closed.status_code == 200
    batch = PayoutBatch.objects.get()
    page = closed.content.decode()
    link = re.search(r'<a href="([^"]+)">export CSV</a>', page)
    assert link is not None and link.group(1) == f"/manage/payments/{batch.pk}/export.csv"

    export = client.get(link.group(1))
    assert export.status_code == 200
    assert export["Content-Type"] == "text/csv"
    assert export["Content-Disposition"] == f'attachment; filename="payout-{batch.pk}.csv"'
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    paid = {(r["email"], r["currency"]): (r["total"], r["carried"]) for r in rows}
    # One row per currency, in its minor unit with the remainder carried; never added together.
    assert paid == {
        (contractor.email, "EUR"): ("3.00", "0.0000"),
        (contractor.email, "USD"): ("1.25", "0.0050"),
    }
    assert _client_for(contractor).get(link.group(1)).status_code == 403


def test_the_queue_edit_form_saves_pay_and_shows_a_bad_kind_setting_at_its_field() -> None:
    manager = new_manager()
    queue = queue_create(created_by=manager, name="rewrites", kind="rewrite", pay_per_task=Decimal("0.30"))
    client = _client_for(manager)
    form = client.get(f"/manage/queues/{queue.pk}/edit/")
    assert form.status_code == 200
    data = {
        name: value
        for name, value in form.context["form"].initial.items()
        if value is not None and name != "eligible_qualifications"
    }
    data.update(eligible_qualifications=["qualified"], pay_per_task="0.45")
    saved = client.post(f"/manage/queues/{queue.pk}/edit/", data, follow=True)
    assert "0.4500 USD" in saved.content.decode()
    assert Queue.objects.get(pk=queue.pk).pay_per_task == Decimal("0.45")

    data.update(kind_settings='{"condition": "telepathy"}', pay_per_task="0.99")
    refused = client.post(f"/manage/queues/{queue.pk}/edit/", data)
    assert refused.status_code == 400
    assert refused.context["form"].errors["kind_settings"] == ["condition: One of manual, tool_assisted."]
    assert Queue.objects.get(pk=queue.pk).pay_per_task == Decimal("0.45")
