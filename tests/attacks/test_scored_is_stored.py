"""What is scored is what is stored (issue 12 item 10): an edit is normalised when it is made, so the
live score, the submit's re-score and the registered example all see one and the same string."""

from __future__ import annotations

import pytest

from attacks.models import AttackSubmission, RewriteSession
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Decomposed "é" (e + U+0301), CRLF line break and surrounding spaces: NFC, LF and stripped when stored.
RAW = "  anna cut the dog\r\nand the cafe\u0301 .  "
NORMALISED = "anna cut the dog\nand the caf\u00e9 ."


def test_an_edit_is_normalised_before_it_is_scored_and_the_submission_keeps_that_text(
    seeded_rewrite_queue, scored_edits, rewriter, settings
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rewriter)
    claim = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()
    session_id = claim["assignment"]["task"]["session_id"]
    edit = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT + "  ", "completion": RAW, "tool": "typed"},
        format="json",
    )
    assert edit.status_code == 201, edit.content
    session = RewriteSession.objects.get(pk=session_id)
    assert (session.current_prompt, session.current_completion) == (SEED_PROMPT, NORMALISED)
    stored = session.edits.order_by("-seq").first()
    assert stored is not None and stored.completion == NORMALISED

    tool_version = session.classifier_version
    tool_version.threshold = 1.0  # whatever the tiny model says, this text passes
    tool_version.save(update_fields=["threshold"])
    submitted = client.post(f"/api/v1/rewrite-sessions/{session_id}/submit/")
    assert submitted.status_code == 201, submitted.content
    submission = AttackSubmission.objects.get(session_id=session_id)
    assert submission.example.completion == NORMALISED
    assert submission.score == pytest.approx(session.current_score)


def test_an_edit_with_a_control_character_is_a_400_saying_which_field(
    seeded_rewrite_queue, scored_edits, rewriter
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rewriter)
    claim = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()
    session_id = claim["assignment"]["task"]["session_id"]
    response = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": "anna\x07 cut the dog .", "tool": "typed"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "completion" in response.json()["error"]["fields"]
