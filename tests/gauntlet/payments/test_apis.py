"""The HTTP side: who sees which money, earnings breakdowns, ledger queries, bonuses, cost, payouts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gauntlet.payments.models import LedgerEntry, PayoutBatch
from gauntlet.payments.services import bonus_grant, payout_batch_close, payout_batch_mark_paid
from gauntlet.workqueue.models import ItemState, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_review, assignment_submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MANAGER_ONLY = [
    ("get", "/api/v1/ledger/"),
    ("post", "/api/v1/ledger/pay-rejected/"),
    ("post", "/api/v1/bonuses/"),
    ("post", "/api/v1/adjustments/"),
    ("get", "/api/v1/queues/1/cost/"),
    ("get", "/api/v1/payouts/"),
    ("post", "/api/v1/payouts/"),
    ("get", "/api/v1/payouts/1/"),
    ("get", "/api/v1/payouts/1/csv/"),
    ("post", "/api/v1/payouts/1/mark-paid/"),
]


def assert_error(response, status: int, code: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert set(body) == {"code", "message", "fields"} and body["message"]
    if code:
        assert body["code"] == code


@pytest.mark.parametrize(("method", "url"), [*MANAGER_ONLY, ("get", "/api/v1/me/earnings/")])
def test_anonymous_sees_nothing(anon_client, method: str, url: str) -> None:
    assert_error(getattr(anon_client, method)(url, {}, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize(("method", "url"), MANAGER_ONLY)
def test_contractors_cannot_reach_anyone_elses_money(contractor_client, method: str, url: str) -> None:
    assert_error(getattr(contractor_client, method)(url, {}, format="json"), 403, "permission_denied")


def test_contractor_earnings_show_only_their_own_money(
    queue_factory, work, contractor, other_contractor, contractor_client, manager
) -> None:
    queue = queue_factory(pay_per_task=Decimal("0.5"))
    assignment_review(assignment=work(queue, contractor), approved=True, reviewer=manager)
    work(queue, contractor)  # pending
    for _ in range(3):
        assignment_review(assignment=work(queue, other_contractor), approved=True, reviewer=manager)
    bonus_grant(contractor=other_contractor, amount=Decimal("100"), reason="not yours", created_by=manager)

    body = contractor_client.get("/api/v1/me/earnings/").json()
    assert body["totals"] == [
        {"currency": "USD", "pending": "0.5000", "approved": "0.5000", "paid": "0.0000"}
    ]
    assert [q["queue_id"] for q in body["by_queue"]] == [queue.pk]


def test_earnings_split_pending_approved_paid_per_queue_and_day(
    queue_factory, work, contractor, contractor_client, manager, local_storage
) -> None:
    labels = queue_factory(pay_per_task=Decimal("0.10"))
    rewrites = queue_factory(pay_mode="hourly", hourly_rate=Decimal("18.00"))
    assignment_review(assignment=work(labels, contractor), approved=True, reviewer=manager)
    batch = payout_batch_close(period_end=timezone.now(), created_by=manager)
    payout_batch_mark_paid(batch=batch, by=manager, reference="PAY-1")
    assignment_review(assignment=work(labels, contractor), approved=True, reviewer=manager)
    work(rewrites, contractor, active_seconds=600)  # pending: 18 × 600 / 3600 = 3.0000
    bonus_grant(contractor=contractor, amount=Decimal("2"), reason="streak", created_by=manager)

    body = contractor_client.get("/api/v1/me/earnings/").json()
    assert body["totals"] == [
        {"currency": "USD", "pending": "3.0000", "approved": "2.1000", "paid": "0.1000"}
    ]
    by_queue = {row["queue_id"]: row for row in body["by_queue"]}
    assert (by_queue[labels.pk]["approved"], by_queue[labels.pk]["paid"]) == ("0.1000", "0.1000")
    assert (
        by_queue[rewrites.pk]["pending"] == "3.0000" and by_queue[rewrites.pk]["queue_name"] == rewrites.name
    )
    assert by_queue[None]["approved"] == "2.0000"  # the bonus on no queue
    today = timezone.now().astimezone(dt.UTC).date().isoformat()
    assert body["by_day"] == [
        {"date": today, "currency": "USD", "pending": "3.0000", "approved": "2.1000", "paid": "0.1000"}
    ]


def test_managers_query_the_ledger_by_contractor_queue_kind_and_period(
    queue_factory, work, contractor, other_contractor, manager_client, manager
) -> None:
    queue = queue_factory(pay_per_task=Decimal("0.25"))
    for who in (contractor, contractor, other_contractor):
        assignment_review(assignment=work(queue, who), approved=True, reviewer=manager)
    bonus = bonus_grant(contractor=contractor, amount=Decimal("1.5"), reason="x", created_by=manager)
    LedgerEntry.objects.filter(pk=bonus.pk).update(created_at=timezone.now() - dt.timedelta(days=40))

    everything = manager_client.get("/api/v1/ledger/").json()
    assert everything["count"] == 4
    assert everything["totals"]["by_currency"] == [{"currency": "USD", "amount": "2.2500", "entries": 4}]
    mine = manager_client.get("/api/v1/ledger/", {"contractor": contractor.pk, "kind": "task_pay"}).json()
    assert mine["count"] == 2 and {r["contractor_email"] for r in mine["results"]} == {contractor.email}
    assert mine["results"][0]["created_by"] == manager.email
    recent = manager_client.get(
        "/api/v1/ledger/", {"from": (timezone.now() - dt.timedelta(days=1)).isoformat(), "queue": queue.pk}
    ).json()
    assert recent["totals"]["by_currency"][0]["amount"] == "0.7500"
    page = manager_client.get("/api/v1/ledger/", {"page_size": 1, "page": 2}).json()
    assert len(page["results"]) == 1 and page["count"] == 4


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "salary"},
        {"from": "yesterday"},
        {"contractor": "abc"},
        {"from": "2025-02-01", "to": "2025-01-01"},
    ],
)
def test_bad_ledger_filters_are_400(manager_client, params: dict) -> None:  # type: ignore[type-arg]
    assert_error(manager_client.get("/api/v1/ledger/", params), 400, "validation_error")


def test_manager_grants_a_bonus_and_a_retry_with_its_reference_pays_once(
    manager_client, contractor, manager
) -> None:
    request = {"contractor": contractor.pk, "amount": "4.50", "reason": "great week", "reference": "wk-3"}
    first = manager_client.post("/api/v1/bonuses/", request, format="json")
    retry = manager_client.post("/api/v1/bonuses/", request, format="json")
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"]
    assert first.json()["amount"] == "4.5000" and first.json()["created_by"] == manager.email
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    "patch",
    [
        {"amount": "0"},
        {"amount": "-3"},
        {"amount": "abc"},
        {"amount": "1.00001"},
        {"reason": ""},
        {"reason": None},
        {"contractor": 999999},
        {"queue": 999999},
        {"currency": "dollars"},
    ],
)
def test_bad_bonus_requests_are_400_and_pay_nothing(manager_client, contractor, patch: dict) -> None:  # type: ignore[type-arg]
    request = {"contractor": contractor.pk, "amount": "1", "reason": "x", **patch}
    response = manager_client.post("/api/v1/bonuses/", request, format="json")
    assert response.status_code == 400, response.content
    assert_error(response, 400)
    assert not LedgerEntry.objects.exists()


def test_a_manager_cannot_be_given_a_bonus(manager_client, manager) -> None:
    request = {"contractor": manager.pk, "amount": "1", "reason": "x"}
    assert_error(manager_client.post("/api/v1/bonuses/", request, format="json"), 400)


def test_adjustments_can_deduct_but_never_be_zero(manager_client, contractor) -> None:
    ok = manager_client.post(
        "/api/v1/adjustments/",
        {"contractor": contractor.pk, "amount": "-0.75", "reason": "overpaid"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["amount"] == "-0.7500" and ok.json()["kind"] == "adjustment"
    zero = manager_client.post(
        "/api/v1/adjustments/", {"contractor": contractor.pk, "amount": "0", "reason": "x"}, format="json"
    )
    assert_error(zero, 400, "invalid_amount")
    missing = manager_client.post(
        "/api/v1/adjustments/",
        {"contractor": contractor.pk, "amount": "1", "reason": "x", "assignment": 10**8},
        format="json",
    )
    assert_error(missing, 400)
    assert LedgerEntry.objects.count() == 1


def test_manager_pays_rejected_work_through_the_api(
    queue_factory, work, contractor, manager, manager_client
) -> None:
    assignment = work(queue_factory(pay_per_task=Decimal("0.20")), contractor)
    url = "/api/v1/ledger/pay-rejected/"
    assert_error(manager_client.post(url, {"assignment": assignment.pk, "reason": "x"}, format="json"), 409)
    assignment_review(assignment=assignment, approved=False, reviewer=manager)
    paid = manager_client.post(url, {"assignment": assignment.pk, "reason": "unclear task"}, format="json")
    again = manager_client.post(url, {"assignment": assignment.pk, "reason": "unclear task"}, format="json")
    assert paid.status_code == again.status_code == 200 and paid.json()["id"] == again.json()["id"]
    assert paid.json()["amount"] == "0.2000"
    assert_error(manager_client.post(url, {"assignment": 10**8, "reason": "x"}, format="json"), 400)


def test_queue_cost_per_judgment_and_per_consensus_label(
    queue_factory, work, contractor, other_contractor, manager, manager_client
) -> None:
    queue = queue_factory(
        pay_mode="hourly", hourly_rate=Decimal("30.00"), bonus_amount=Decimal("1"), overlap=2
    )
    first = work(queue, contractor, active_seconds=120)  # 1.0000
    # the second contractor judges the same item (overlap 2), through the engine
    second = assignment_claim(queue=queue, contractor=other_contractor)
    assert second is not None and second.item_id == first.item_id
    assignment_submit(assignment=second, contractor=other_contractor, data={"answer": "ok"})
    second.__class__.objects.filter(pk=second.pk).update(active_seconds=240)  # 2.0000
    for assignment in (first, second):
        assignment_review(
            assignment=assignment.__class__.objects.get(pk=assignment.pk), approved=True, reviewer=manager
        )
    bonus_grant(contractor=contractor, amount=Decimal("0.5"), reason="x", created_by=manager, queue=queue)
    assert WorkItem.objects.get(pk=first.item_id).state == ItemState.COMPLETE

    body = manager_client.get(f"/api/v1/queues/{queue.pk}/cost/").json()
    assert body == {
        "queue_id": queue.pk,
        "queue_name": queue.name,
        "currency": "USD",
        "pay": "3.0000",
        "bonuses": "0.5000",
        "total": "3.5000",
        "judgments": 2,
        "consensus_labels": 1,
        "cost_per_judgment": "1.7500",
        "cost_per_consensus_label": "3.5000",
        "active_minutes": "6.0000",
        "active_minutes_per_judgment": "3.0000",
        "other_currency_entries": 0,
    }
    assert_error(manager_client.get("/api/v1/queues/99999999/cost/"), 404, "not_found")


def test_empty_queue_cost_has_no_division_by_zero(queue_factory, manager_client) -> None:
    body = manager_client.get(f"/api/v1/queues/{queue_factory().pk}/cost/").json()
    assert (body["total"], body["cost_per_judgment"], body["cost_per_consensus_label"]) == (
        "0.0000",
        None,
        None,
    )


def test_payout_api_close_twice_download_and_mark_paid(
    queue_factory, work, contractor, other_contractor, manager, manager_client, s3_storage: str
) -> None:
    queue = queue_factory(pay_per_task=Decimal("0.75"))
    for who in (contractor, contractor, other_contractor):
        assignment_review(assignment=work(queue, who), approved=True, reviewer=manager)
    period_end = timezone.now().isoformat()

    created = manager_client.post(
        "/api/v1/payouts/", {"period_end": period_end, "note": "March"}, format="json"
    )
    assert created.status_code == 201, created.content
    batch = created.json()
    assert {(r["email"], r["entries"], r["total"]) for r in batch["contractors"]} == {
        (contractor.email, 2, "1.50"),
        (other_contractor.email, 1, "0.75"),
    }
    again = manager_client.post("/api/v1/payouts/", {"period_end": period_end}, format="json")
    assert again.status_code == 200 and again.json()["id"] == batch["id"] and PayoutBatch.objects.count() == 1

    download = manager_client.get(f"/api/v1/payouts/{batch['id']}/csv/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["contractor_id", "email", "currency", "entries", "total", "carried"] and len(rows) == 3

    listed = manager_client.get("/api/v1/payouts/").json()
    assert [b["id"] for b in listed["results"]] == [batch["id"]]
    paid = manager_client.post(
        f"/api/v1/payouts/{batch['id']}/mark-paid/", {"reference": "WIRE-9"}, format="json"
    )
    assert (
        paid.status_code == 200
        and paid.json()["status"] == "paid"
        and paid.json()["paid_by"] == manager.email
    )
    conflict = manager_client.post(
        f"/api/v1/payouts/{batch['id']}/mark-paid/", {"reference": "X"}, format="json"
    )
    assert_error(conflict, 409, "already_paid")
    assert client_for(contractor).get("/api/v1/me/earnings/").json()["totals"][0]["paid"] == "1.5000"


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 400), ({"period_end": "soon"}, 400), ({"period_end": "2999-01-01T00:00:00Z"}, 400)],
)
def test_bad_payout_close_requests(manager_client, body: dict, status: int, local_storage) -> None:  # type: ignore[type-arg]
    assert_error(manager_client.post("/api/v1/payouts/", body, format="json"), status)
    assert not PayoutBatch.objects.exists()


def test_missing_batches_are_404_and_mark_paid_needs_a_reference(
    manager_client, manager, local_storage
) -> None:
    assert_error(manager_client.get("/api/v1/payouts/424242/"), 404, "not_found")
    batch = payout_batch_close(period_end=timezone.now(), created_by=manager)
    assert_error(manager_client.post(f"/api/v1/payouts/{batch.pk}/mark-paid/", {}, format="json"), 400)


def test_admin_shows_money_read_only_even_to_managers(contractor, manager, local_storage) -> None:
    entry = bonus_grant(contractor=contractor, amount=Decimal("1"), reason="x", created_by=manager)
    batch = payout_batch_close(period_end=timezone.now(), created_by=manager)
    client = Client()
    client.force_login(manager)
    for model, pk in (
        ("ledgerentry", entry.pk),
        ("payoutbatch", batch.pk),
        ("payoutline", batch.lines.get().pk),
    ):
        assert client.get(f"/admin/payments/{model}/").status_code == 200
        detail = client.get(f"/admin/payments/{model}/{pk}/change/")
        assert detail.status_code == 200 and b'name="_save"' not in detail.content
        assert client.get(f"/admin/payments/{model}/add/").status_code == 403
        assert client.post(f"/admin/payments/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert (
        client.post(f"/admin/payments/ledgerentry/{entry.pk}/change/", {"amount": "999"}).status_code == 403
    )
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("1.0000")
