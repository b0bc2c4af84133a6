"""The rewrite kind keeps the task-kind contract: refuse before leasing, open the session on claim,
and present a pure read (listing one's assignments changes nothing and calls no model)."""

from __future__ import annotations

import pytest

from attacks.models import RewriteEdit, RewriteSession
from gauntlet.errors import Unavailable
from gauntlet.workqueue.models import Assignment, WorkItem
from ml_worker.models import ClassifierVersion, VersionStatus
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_with_no_active_classifier_a_rewrite_claim_is_refused_before_anything_is_leased(
    seeded_rewrite_queue, tiny_version: ClassifierVersion, rewriter
):
    tiny_version.status = VersionStatus.READY
    tiny_version.save(update_fields=["status"])
    response = client_for(rewriter).post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_active_classifier"
    assert not Assignment.objects.exists(), "nothing was leased"
    item = WorkItem.objects.get(queue=seeded_rewrite_queue)
    assert item.active_leases == 0


def test_listing_assignments_opens_nothing_and_scores_nothing(
    seeded_rewrite_queue, scored_edits, rewriter, monkeypatch: pytest.MonkeyPatch
):
    client = client_for(rewriter)
    claim = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]
    session = RewriteSession.objects.get(assignment_id=claim["id"])  # opened by the claim (on_claim)
    assert claim["task"]["session_id"] == session.pk
    assert RewriteEdit.objects.filter(session=session).count() == 1  # the seed's score

    from attacks import scoring

    def no_model(**_: object) -> float:
        raise AssertionError("a GET must not run the classifier")

    monkeypatch.setattr(scoring, "text_score", no_model)
    for _ in range(2):
        listed = client.get("/api/v1/me/assignments/")
        assert listed.status_code == 200
        (task,) = [a["task"] for a in listed.json()["results"]]
        assert task["session_id"] == session.pk and task["score"] == pytest.approx(session.current_score)
    assert RewriteSession.objects.count() == 1
    assert RewriteEdit.objects.filter(session=session).count() == 1


def test_a_lease_whose_session_failed_to_open_is_listed_without_opening_one(
    seeded_rewrite_queue, scored_edits, rewriter, monkeypatch: pytest.MonkeyPatch
):
    from attacks import scoring

    def worker_down(**_: object) -> float:
        raise Unavailable("worker_unavailable", "No GPU worker answered.")

    client = client_for(rewriter)
    monkeypatch.setattr(scoring, "text_score", worker_down)
    assert client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").status_code == 503
    assert Assignment.objects.count() == 1 and not RewriteSession.objects.exists()

    listed = client.get("/api/v1/me/assignments/")  # a GET: must neither open a session nor score
    assert listed.status_code == 200, listed.content
    (task,) = [a["task"] for a in listed.json()["results"]]
    assert task["session_id"] is None and task["seed"]["completion"]
    assert not RewriteSession.objects.exists()

    monkeypatch.undo()  # the worker is back: claiming again hands back the lease and opens its session
    again = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]
    assert again["task"]["session_id"] == RewriteSession.objects.get().pk


def test_a_claim_handed_back_finds_its_session_open(seeded_rewrite_queue, scored_edits, rewriter):
    client = client_for(rewriter)
    first = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]
    again = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]
    assert again["id"] == first["id"]
    assert again["task"]["session_id"] == first["task"]["session_id"]
    assert RewriteSession.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "kind_settings", "field"),
    [
        ("rewrite", {"condition": "telepathic"}, "kind_settings.condition"),
        ("rewrite", {"verification_queue_id": 999_999}, "kind_settings.verification_queue_id"),
        ("rewrite", {"colour": "blue"}, "kind_settings.colour"),
        ("verification", {"fillers_per_submission": -1}, "kind_settings.fillers_per_submission"),
        ("injury_label", {"consensus_method": "coin_flip"}, "kind_settings"),
        ("injury_label", "majority", "kind_settings"),
        ("quality_comparison", {"consensus_method": "majority"}, "kind_settings.consensus_method"),
    ],
)
def test_bad_kind_settings_are_a_400_naming_the_setting(manager_client, kind, kind_settings, field):
    response = manager_client.post(
        "/api/v1/queues/", {"name": "q", "kind": kind, "kind_settings": kind_settings}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()


def test_good_kind_settings_are_stored_as_given(manager_client, verification_queue):
    response = manager_client.post(
        "/api/v1/queues/",
        {
            "name": "q",
            "kind": "rewrite",
            "kind_settings": {"condition": "manual", "verification_queue_id": verification_queue.pk},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind_settings"] == {
        "condition": "manual",
        "verification_queue_id": verification_queue.pk,
    }
