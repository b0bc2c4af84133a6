"""End to end over HTTP: a contractor claims and submits, a manager approves (and retries, and
bulk-approves), and the contractor's earnings show the money once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gauntlet.payments.models import LedgerEntry
from gauntlet.workqueue.services import items_add

pytestmark = pytest.mark.django_db


def claim_and_submit(client, queue_id: int) -> int:  # type: ignore[no-untyped-def]
    claimed = client.post(f"/api/v1/queues/{queue_id}/claim/", {}, format="json")
    assert claimed.status_code == 200, claimed.content
    assignment_id = claimed.json()["assignment"]["id"]
    submitted = client.post(f"/api/v1/assignments/{assignment_id}/submit/", {"answer": "ok"}, format="json")
    assert submitted.status_code == 200, submitted.content
    return int(assignment_id)


def test_http_approvals_retried_and_bulk_pay_each_assignment_once(
    queue_factory, contractor, contractor_client, manager_client
) -> None:
    queue = queue_factory(pay_per_task=Decimal("0.35"))
    items_add(queue=queue, items=[{"payload": {"n": i}} for i in range(3)])
    ids = [claim_and_submit(contractor_client, queue.pk) for _ in range(3)]

    for _ in range(2):  # a retried approval
        assert (
            manager_client.post(f"/api/v1/assignments/{ids[0]}/approve/", {}, format="json").status_code
            == 200
        )
    bulk = manager_client.post(
        "/api/v1/assignments/review/", {"assignment_ids": ids[:2], "approved": True}, format="json"
    )
    assert bulk.status_code == 200, bulk.content
    assert manager_client.post(f"/api/v1/assignments/{ids[2]}/reject/", {}, format="json").status_code == 200

    assert sorted(LedgerEntry.objects.values_list("assignment_id", flat=True)) == ids[:2]
    earnings = contractor_client.get("/api/v1/me/earnings/").json()
    assert earnings["totals"] == [
        {"currency": "USD", "pending": "0.0000", "approved": "0.7000", "paid": "0.0000"}
    ]
    ledger = manager_client.get("/api/v1/ledger/", {"contractor": contractor.pk}).json()
    assert ledger["totals"]["by_currency"] == [{"currency": "USD", "amount": "0.7000", "entries": 2}]
