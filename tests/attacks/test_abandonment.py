"""Sessions whose rewrite task lapsed (lease expired, or released outside the session) end as abandoned:
lazily on any access, on the contractor's next claim, by the periodic sweep and in the cost report, where
they count as attempts that did not submit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from attacks.models import RewriteSession, SessionStatus
from attacks.tasks import close_lapsed_rewrite_sessions
from gauntlet.workqueue.models import Assignment, AssignmentStatus, WorkItem
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for
from tests.factories import ContractorFactory

pytestmark = pytest.mark.django_db


def _claim(client, queue) -> RewriteSession:  # type: ignore[no-untyped-def]
    body = client.post(f"/api/v1/queues/{queue.pk}/claim/").json()["assignment"]
    return RewriteSession.objects.select_related("assignment").get(pk=body["task"]["session_id"])


def _run_out(session: RewriteSession) -> Assignment:
    """Move the session's lease expiry into the past, as if the contractor walked away."""
    Assignment.objects.filter(pk=session.assignment_id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=5)
    )
    return Assignment.objects.get(pk=session.assignment_id)


ACCESSES = {
    "read": ("get", "", None),
    "edit": ("post", "edits/", {"prompt": SEED_PROMPT, "completion": "anna cut the dog .", "tool": "typed"}),
    "submit": ("post", "submit/", None),
    "saliency": ("post", "saliency/", None),
    "substitutions": ("post", "substitutions/", {"field": "completion", "start": 5, "end": 9, "k": 3}),
}


@pytest.mark.parametrize("access", list(ACCESSES))
def test_an_expired_lease_abandons_the_session_on_any_access(
    access, seeded_rewrite_queue, scored_edits, rewriter
):
    client = client_for(rewriter)
    session = _claim(client, seeded_rewrite_queue)
    assignment = _run_out(session)
    method, path, body = ACCESSES[access]
    response = getattr(client, method)(f"/api/v1/rewrite-sessions/{session.pk}/{path}", body, format="json")
    if access == "read":
        assert response.status_code == 200 and response.json()["status"] == "abandoned"
    else:  # refused, and the abandonment stays written although the request failed
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "session_closed"
    session.refresh_from_db()
    assert session.status == SessionStatus.ABANDONED
    assert session.ended_at == assignment.lease_expires_at  # when the attempt really ended
    assert session.edits.count() == 1 and session.result is None  # only the seed: nothing was recorded
    # The work queue agrees: the lease is expired and the seed's slot is back on the queue.
    session.assignment.refresh_from_db()
    assert session.assignment.status == AssignmentStatus.EXPIRED
    assert WorkItem.objects.get(pk=session.assignment.item_id).active_leases == 0


def test_a_new_claim_closes_the_contractors_lapsed_session(seeded_rewrite_queue, scored_edits, rewriter):
    client = client_for(rewriter)
    first = _claim(client, seeded_rewrite_queue)
    _run_out(first)
    second = _claim(client, seeded_rewrite_queue)  # the same seed comes back to them
    assert second.pk != first.pk and second.seed_id == first.seed_id
    assert second.status == SessionStatus.OPEN
    first.refresh_from_db()
    assert first.status == SessionStatus.ABANDONED


def test_the_sweep_abandons_sessions_released_outside_the_session(
    seeded_rewrite_queue, scored_edits, rewriter
):
    client = client_for(rewriter)
    released = _claim(client, seeded_rewrite_queue)
    edit = client.post(
        f"/api/v1/rewrite-sessions/{released.pk}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["pass_"], "tool": "typed"},
        format="json",
    )
    assert edit.status_code == 201
    assert client.post(f"/api/v1/assignments/{released.assignment_id}/release/").status_code == 200
    alive = _claim(client_for(ContractorFactory()), seeded_rewrite_queue)
    expired = _claim(client_for(ContractorFactory()), seeded_rewrite_queue)
    _run_out(expired)

    assert close_lapsed_rewrite_sessions() == 2
    assert close_lapsed_rewrite_sessions() == 0  # idempotent
    statuses = dict(RewriteSession.objects.values_list("pk", "status"))
    assert statuses == {released.pk: "abandoned", alive.pk: "open", expired.pk: "abandoned"}
    released.refresh_from_db()
    released.assignment.refresh_from_db()
    assert released.ended_at == released.assignment.last_heartbeat_at  # its last activity, not the sweep
    entry = settings.CELERY_BEAT_SCHEDULE["attacks-close-lapsed-rewrite-sessions"]
    assert entry["task"] == close_lapsed_rewrite_sessions.name


def test_cost_report_counts_lapsed_sessions_as_attempts_that_did_not_submit(
    manager_client, seeded_rewrite_queue, scored_edits, rewriter
):
    client = client_for(rewriter)
    lapsed = _claim(client, seeded_rewrite_queue)
    client.post(
        f"/api/v1/rewrite-sessions/{lapsed.pk}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["fail"], "tool": "typed"},
        format="json",
    )
    _run_out(lapsed)
    _claim(client_for(ContractorFactory()), seeded_rewrite_queue)  # still working: no outcome yet

    report = manager_client.get("/api/v1/attacks/cost/").json()
    [group] = report["groups"]
    assert group["source"] == "tool_assisted"
    assert (group["attempts"], group["submitted"], group["abandoned"], group["in_progress"]) == (1, 0, 1, 1)
    assert group["verified"] == 0 and group["success_rate"] == 0.0
    assert RewriteSession.objects.get(pk=lapsed.pk).status == SessionStatus.ABANDONED
    mine = [row for row in report["contractors"] if row["contractor"] == rewriter.email]
    assert mine[0]["abandoned"] == 1 and mine[0]["attempts"] == 1
