"""One threshold per rewrite session: what the contractor is shown is what submit applies, also after a
manager moves the attacked version's threshold while the session is open."""

from __future__ import annotations

import pytest

from attacks.models import AttackSubmission
from ml_worker.models import ClassifierVersion
from ml_worker.services.registry import classifier_version_set_threshold
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _shown(client, session_id: int) -> dict:
    body = client.get(f"/api/v1/rewrite-sessions/{session_id}/").json()
    assignments = client.get("/api/v1/me/assignments/").json()
    rows = assignments["results"] if isinstance(assignments, dict) else assignments
    (task,) = [a["task"] for a in rows if a["task"].get("session_id") == session_id]
    assert task["threshold"] == body["threshold"], "the task and the session show the same threshold"
    return body


def test_a_threshold_lowered_mid_session_is_shown_and_applied_alike(
    seeded_rewrite_queue, scored_edits, rewriter, tiny_version: ClassifierVersion
):
    client = client_for(rewriter)
    session_id = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]["task"][
        "session_id"
    ]
    edit = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["pass_"], "tool": "typed"},
        format="json",
    ).json()
    assert edit["passes"] is True

    # The manager tightens the filter below the edit's score: the edit no longer passes, everywhere.
    classifier_version_set_threshold(version=tiny_version, threshold=edit["score"])
    shown = _shown(client, session_id)
    assert shown["threshold"] == pytest.approx(edit["score"])
    assert shown["passes"] is False
    refused = client.post(f"/api/v1/rewrite-sessions/{session_id}/submit/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "does_not_pass"
    assert not AttackSubmission.objects.exists()


def test_a_threshold_raised_mid_session_lets_the_shown_passing_text_submit(
    seeded_rewrite_queue, scored_edits, rewriter, tiny_version: ClassifierVersion
):
    client = client_for(rewriter)
    session_id = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]["task"][
        "session_id"
    ]
    edit = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["fail"], "tool": "typed"},
        format="json",
    ).json()
    assert edit["passes"] is False

    classifier_version_set_threshold(version=tiny_version, threshold=min(1.0, edit["score"] + 1e-3))
    shown = _shown(client, session_id)
    assert shown["passes"] is True
    accepted = client.post(f"/api/v1/rewrite-sessions/{session_id}/submit/")
    assert accepted.status_code == 201, accepted.content
    submission = AttackSubmission.objects.get()
    assert submission.threshold == pytest.approx(shown["threshold"])


def test_the_rewrite_page_shows_the_threshold_submit_applies(
    seeded_rewrite_queue, scored_edits, rewriter, tiny_version: ClassifierVersion
):
    """The browser tool (not only the API) follows a threshold moved mid-session: it showed the
    snapshot taken at opening, and offered Submit for text that submit then refused."""
    from django.test import Client
    from django.urls import reverse

    from attacks.models import RewriteSession
    from attacks.views.rewrite import state_context

    client = client_for(rewriter)
    session_id = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]["task"][
        "session_id"
    ]
    edit = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["pass_"], "tool": "typed"},
        format="json",
    ).json()
    classifier_version_set_threshold(version=tiny_version, threshold=edit["score"])
    context = state_context(RewriteSession.objects.get(pk=session_id))
    assert context["threshold"] == pytest.approx(edit["score"])
    assert context["passes"] is False and context["can_submit"] is False
    browser = Client()
    browser.force_login(rewriter)
    page = browser.get(reverse("attacks_web:rewrite-session", args=[session_id]))
    assert page.status_code == 200
    assert "caught (at or above" in page.content.decode()
