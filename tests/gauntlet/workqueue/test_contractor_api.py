"""The contractor's side over HTTP: claim, heartbeat, release, submit, and their lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gauntlet.workqueue.models import ActivityClock, Assignment, AssignmentStatus, ItemState, WorkItem
from tests.conftest import client_for
from tests.factories import new_contractor
from tests.gauntlet.workqueue.conftest import YesNoKind, make_items, make_queue

pytestmark = pytest.mark.django_db


def claim(client, queue_id: int) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/v1/queues/{queue_id}/claim/")
    assert response.status_code == 200, response.content
    return response.json()


def test_claim_answers_the_task_without_the_gold_answer() -> None:
    queue = make_queue(gold_rate="1.000")
    make_items(queue, 1, is_gold=True, gold_answer={"answer": "yes"}, judgments_wanted=100)
    body = claim(client_for(new_contractor()), queue.pk)
    assert body["reason"] is None
    assert body["assignment"]["status"] == "leased"
    assert body["assignment"]["task"] == {"text": "item 0"}
    assert "gold" not in str(body).lower()


def test_claim_with_nothing_left_says_why() -> None:
    queue = make_queue()
    body = claim(client_for(new_contractor()), queue.pk)
    assert body["assignment"] is None
    assert "Nothing for you" in body["reason"]


def test_claim_refused_for_a_blocked_contractor_says_so() -> None:
    queue = make_queue()
    contractor = new_contractor()
    contractor.contractor_profile.qualification = "blocked"
    contractor.contractor_profile.save()
    response = client_for(contractor).post(f"/api/v1/queues/{queue.pk}/claim/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"


def test_claim_in_a_missing_queue_is_404() -> None:
    response = client_for(new_contractor()).post("/api/v1/queues/987654/claim/")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "No such queue.", "fields": {}}


def test_a_queue_paused_while_a_contractor_looks_at_it_hands_out_nothing() -> None:
    queue = make_queue()
    make_items(queue, 2)
    client = client_for(new_contractor())
    assert client.get("/api/v1/me/queues/").status_code == 200  # the contractor sees it open
    queue.state = "paused"
    queue.save(update_fields=["state"])
    response = client.post(f"/api/v1/queues/{queue.pk}/claim/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "queue_not_open"
    assert not Assignment.objects.exists()


def test_submit_completes_the_item_and_a_retry_writes_nothing(yes_no_kind: YesNoKind) -> None:
    queue = make_queue(overlap=1)
    (item,) = make_items(queue, 1)
    client = client_for(new_contractor())
    assignment_id = claim(client, queue.pk)["assignment"]["id"]

    first = client.post(f"/api/v1/assignments/{assignment_id}/submit/", {"answer": "no"}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "submitted"
    assert first.json()["result"] == {"answer": "no"}
    retry = client.post(f"/api/v1/assignments/{assignment_id}/submit/", {"answer": "yes"}, format="json")
    assert retry.status_code == 200
    assert retry.json() == first.json()

    item.refresh_from_db()
    assert (item.state, item.judgments_received, item.active_leases) == (ItemState.COMPLETE, 1, 0)
    assert yes_no_kind.submitted == [assignment_id]  # the kind's hook ran once
    assert yes_no_kind.completed == [item.pk]


def test_bad_submission_gets_400_with_field_errors_and_keeps_the_lease() -> None:
    queue = make_queue()
    make_items(queue, 1)
    client = client_for(new_contractor())
    assignment_id = claim(client, queue.pk)["assignment"]["id"]
    response = client.post(f"/api/v1/assignments/{assignment_id}/submit/", {"answer": "maybe"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"answer": ['Answer "yes" or "no".']}
    not_an_object = client.post(f"/api/v1/assignments/{assignment_id}/submit/", [1, 2], format="json")
    assert not_an_object.status_code == 400
    assert Assignment.objects.get(pk=assignment_id).status == AssignmentStatus.LEASED


def test_submit_on_an_expired_lease_is_409_and_frees_the_item() -> None:
    queue = make_queue(overlap=1)
    (item,) = make_items(queue, 1)
    client = client_for(new_contractor())
    assignment_id = claim(client, queue.pk)["assignment"]["id"]
    Assignment.objects.filter(pk=assignment_id).update(lease_expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(f"/api/v1/assignments/{assignment_id}/submit/", {"answer": "yes"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lease_expired"
    assert "expired at" in response.json()["error"]["message"]
    assert Assignment.objects.get(pk=assignment_id).status == AssignmentStatus.EXPIRED
    item.refresh_from_db()
    assert item.active_leases == 0
    # Someone else can take it at once.
    assert claim(client_for(new_contractor()), queue.pk)["assignment"]["item"] == item.pk


def test_someone_elses_assignment_is_404_for_every_action() -> None:
    queue = make_queue()
    make_items(queue, 1)
    assignment_id = claim(client_for(new_contractor()), queue.pk)["assignment"]["id"]
    intruder = client_for(new_contractor())
    for action in ("heartbeat", "release", "submit"):
        response = intruder.post(
            f"/api/v1/assignments/{assignment_id}/{action}/", {"answer": "yes"}, format="json"
        )
        assert response.status_code == 404, action
    assert Assignment.objects.get(pk=assignment_id).status == AssignmentStatus.LEASED


def test_heartbeats_count_active_time_capped_and_skip_idle_tabs(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WORKQUEUE_HEARTBEAT_CAP_SECONDS = 60
    queue = make_queue(lease_seconds=600)
    make_items(queue, 1)
    client = client_for(new_contractor())
    assignment_id = claim(client, queue.pk)["assignment"]["id"]
    now = timezone.now()

    Assignment.objects.filter(pk=assignment_id).update(claimed_at=now - timedelta(seconds=20))
    body = client.post(f"/api/v1/assignments/{assignment_id}/heartbeat/").json()
    assert 19 <= body["active_seconds"] <= 21

    # A tab left alone for ten minutes bills at most the cap (time passes for the lease and for the
    # contractor's one activity clock alike).
    Assignment.objects.filter(pk=assignment_id).update(last_heartbeat_at=now - timedelta(minutes=10))
    ActivityClock.objects.filter(contractor__assignments=assignment_id).update(
        counted_until=now - timedelta(minutes=10)
    )
    body = client.post(f"/api/v1/assignments/{assignment_id}/heartbeat/").json()
    assert 79 <= body["active_seconds"] <= 81

    # An idle tab says so: nothing counted, but the lease is extended.
    Assignment.objects.filter(pk=assignment_id).update(
        last_heartbeat_at=now - timedelta(seconds=30), lease_expires_at=now + timedelta(seconds=5)
    )
    body = client.post(
        f"/api/v1/assignments/{assignment_id}/heartbeat/", {"active": False}, format="json"
    ).json()
    assert 79 <= body["active_seconds"] <= 81
    assert Assignment.objects.get(pk=assignment_id).lease_expires_at > now + timedelta(seconds=590)


def test_release_gives_the_item_back() -> None:
    queue = make_queue(overlap=1)
    (item,) = make_items(queue, 1)
    client = client_for(new_contractor())
    assignment_id = claim(client, queue.pk)["assignment"]["id"]
    response = client.post(f"/api/v1/assignments/{assignment_id}/release/")
    assert response.status_code == 200
    assert response.json()["status"] == "released"
    assert client.post(f"/api/v1/assignments/{assignment_id}/release/").status_code == 200  # idempotent
    assert WorkItem.objects.get(pk=item.pk).active_leases == 0
    assert claim(client_for(new_contractor()), queue.pk)["assignment"]["item"] == item.pk


def test_my_queues_assignments_and_history() -> None:
    open_queue = make_queue(overlap=1, pay_per_task="0.2500")
    make_items(open_queue, 3)
    make_queue(eligible_qualifications=["probation"])  # not for a qualified contractor
    contractor = new_contractor()
    client = client_for(contractor)

    queues = client.get("/api/v1/me/queues/").json()["results"]
    assert [(q["id"], q["available"], q["pay_per_task"]) for q in queues] == [(open_queue.pk, 3, "0.2500")]

    assignment_id = claim(client, open_queue.pk)["assignment"]["id"]
    mine = client.get("/api/v1/me/assignments/").json()["results"]
    assert [a["id"] for a in mine] == [assignment_id]
    assert mine[0]["task"] == {"text": "item 0"}

    client.post(f"/api/v1/assignments/{assignment_id}/submit/", {"answer": "yes"}, format="json")
    history = client.get("/api/v1/me/history/").json()
    assert [a["id"] for a in history["results"]] == [assignment_id]
    assert client.get("/api/v1/me/assignments/").json()["results"] == []
    assert client.get("/api/v1/me/queues/").json()["results"][0]["available"] == 2


def test_the_claim_and_submit_answers_are_the_assignment_serializers_shape_exactly() -> None:
    """The hot endpoints render without a serializer (``assignment_data``); what they answer is
    what ``AssignmentSerializer`` documents, value for value, leased, submitted and reviewed."""
    from gauntlet.workqueue.apis.common import AssignmentSerializer, assignment_data

    queue = make_queue()
    make_items(queue, 1)
    contractor = new_contractor()
    client = client_for(contractor)
    leased = claim(client, queue.pk)["assignment"]
    assignment = Assignment.objects.get(pk=leased["id"])
    assert {k: v for k, v in leased.items() if k != "task"} == dict(AssignmentSerializer(assignment).data)
    submitted = client.post(f"/api/v1/assignments/{assignment.pk}/submit/", {"answer": "yes"}, format="json")
    assignment.refresh_from_db()
    assert submitted.json() == dict(AssignmentSerializer(assignment).data)
    assignment.reviewed_at = timezone.now() + timedelta(microseconds=7)
    assignment.last_heartbeat_at = None
    assert assignment_data(assignment) == dict(AssignmentSerializer(assignment).data)
