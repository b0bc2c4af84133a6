"""The manager's side over HTTP: queues, bulk items, progress, review, blocking."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from gauntlet.accounts.models import Qualification
from gauntlet.workqueue.models import Assignment, AssignmentStatus, ItemState, Queue, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_submit
from tests.conftest import client_for
from tests.factories import new_contractor
from tests.gauntlet.workqueue.conftest import TEST_KIND, YesNoKind, make_items, make_queue

pytestmark = pytest.mark.django_db


def submitted(queue: Queue, count: int) -> list[Assignment]:
    done = []
    for _ in range(count):
        contractor = new_contractor()
        assignment = assignment_claim(queue=queue, contractor=contractor)
        assert assignment is not None
        done.append(assignment_submit(assignment=assignment, contractor=contractor, data={"answer": "yes"}))
    return done


def test_manager_creates_opens_fills_and_watches_a_queue(manager_client: APIClient) -> None:
    created = manager_client.post(
        "/api/v1/queues/", {"name": "injury round 1", "kind": TEST_KIND, "overlap": 2, "gold_rate": "0.1"}
    )
    assert created.status_code == 201, created.content
    queue_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    assert manager_client.post(f"/api/v1/queues/{queue_id}/open/").json()["state"] == "open"

    added = manager_client.post(
        f"/api/v1/queues/{queue_id}/items/",
        {
            "items": [
                {"payload": {"text": "a"}, "key": "a"},
                {"payload": {"text": "g"}, "gold_answer": {"answer": "no"}},
            ]
        },
    )
    assert added.status_code == 201, added.content
    assert added.json()["created"] == 2
    queue = Queue.objects.get(pk=queue_id)
    submitted(queue, 1)

    progress = manager_client.get(f"/api/v1/queues/{queue_id}/progress/").json()
    assert progress["items_by_state"] == {"open": 2, "complete": 0, "cancelled": 0}
    assert progress["gold_items"] == 1
    assert progress["assignments_by_status"]["submitted"] == 1
    assert progress["median_active_seconds"] is not None
    assert [q["id"] for q in manager_client.get("/api/v1/queues/").json()["results"]] == [queue_id]


def test_bulk_items_land_whole_or_report_each_bad_row(manager_client: APIClient) -> None:
    queue = make_queue()
    WorkItem.objects.create(queue=queue, payload={"text": "x"}, key="taken", judgments_wanted=2)
    response = manager_client.post(
        f"/api/v1/queues/{queue.pk}/items/",
        {
            "items": [
                {"payload": {"text": "fine"}},
                {"payload": {"text": ""}},
                {"payload": {"text": "dup"}, "key": "taken"},
                {"payload": {"text": "p"}, "priority": "high", "colour": "red"},
            ]
        },
    )
    assert response.status_code == 400
    rows = response.json()["error"]["fields"]["items"]
    assert set(rows) == {"1", "2", "3"}
    assert rows["1"] == {"payload": {"text": ["A non-empty string."]}}
    assert "already used" in rows["2"]["key"][0]
    assert set(rows["3"]) == {"priority", "colour"}
    assert WorkItem.objects.filter(queue=queue).count() == 1  # nothing landed


def test_bad_queue_fields_get_400(manager_client: APIClient) -> None:
    response = manager_client.post(
        "/api/v1/queues/", {"name": "q", "kind": "dance", "overlap": 0, "speed": 3}
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"kind", "overlap", "speed"}


def test_contractors_cannot_manage(contractor_client: APIClient) -> None:
    assert contractor_client.post("/api/v1/queues/", {"name": "q", "kind": TEST_KIND}).status_code == 403


def test_closed_queue_stays_closed(manager_client: APIClient) -> None:
    queue = make_queue()
    assert manager_client.post(f"/api/v1/queues/{queue.pk}/close/").json()["state"] == "closed"
    response = manager_client.post(f"/api/v1/queues/{queue.pk}/open/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_reject_reopens_the_item_for_someone_else(manager_client: APIClient, yes_no_kind: YesNoKind) -> None:
    queue = make_queue(overlap=1)
    (item,) = make_items(queue, 1)
    (assignment,) = submitted(queue, 1)
    assert WorkItem.objects.get(pk=item.pk).state == ItemState.COMPLETE

    response = manager_client.post(f"/api/v1/assignments/{assignment.pk}/reject/", {"note": "spam"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    item.refresh_from_db()
    assert (item.state, item.judgments_received) == (ItemState.OPEN, 0)
    assert yes_no_kind.rejected == [assignment.pk]
    # The rejected contractor never gets it back; someone else does.
    assert assignment_claim(queue=queue, contractor=assignment.contractor) is None
    other = assignment_claim(queue=queue, contractor=new_contractor())
    assert other is not None and other.item_id == item.pk

    # A conflicting decision is refused; repeating the same one changes nothing.
    assert manager_client.post(f"/api/v1/assignments/{assignment.pk}/approve/").status_code == 409
    assert manager_client.post(f"/api/v1/assignments/{assignment.pk}/reject/").status_code == 200
    assert yes_no_kind.rejected == [assignment.pk]


def test_bulk_review_is_all_or_nothing(manager_client: APIClient) -> None:
    queue = make_queue(overlap=3)
    make_items(queue, 1)
    a, b = submitted(queue, 2)
    missing = manager_client.post(
        "/api/v1/assignments/review/", {"assignment_ids": [a.pk, 999_999], "approved": True}, format="json"
    )
    assert missing.status_code == 400
    assert Assignment.objects.get(pk=a.pk).status == AssignmentStatus.SUBMITTED
    done = manager_client.post(
        "/api/v1/assignments/review/", {"assignment_ids": [a.pk, b.pk], "approved": True}, format="json"
    )
    assert done.status_code == 200
    assert [row["status"] for row in done.json()] == ["approved", "approved"]


def test_blocking_a_contractor_releases_their_leases(manager_client: APIClient) -> None:
    queue = make_queue(overlap=1)
    (item,) = make_items(queue, 1)
    contractor = new_contractor()
    assignment = assignment_claim(queue=queue, contractor=contractor)
    assert assignment is not None

    response = manager_client.post(
        f"/api/v1/contractors/{contractor.pk}/block/", {"note": "copy-paste answers"}
    )
    assert response.status_code == 200
    assert response.json()["qualification"] == Qualification.BLOCKED
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.RELEASED
    assert WorkItem.objects.get(pk=item.pk).active_leases == 0
    refused = client_for(contractor).post(f"/api/v1/queues/{queue.pk}/claim/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "blocked"
