"""What the attack flow refuses: other people's sessions, bypassing the re-score, tools in manual
sessions, near duplicates, verifying your own rewrite; and what a failed attempt tells its author."""

from __future__ import annotations

import pytest
from django.test import override_settings

from attacks.models import AdversarialExample, AttackSubmission
from gauntlet.workqueue.models import WorkItem
from labeling.models import Example
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for
from tests.factories import ContractorFactory

pytestmark = pytest.mark.django_db


def _open_session(client, queue) -> tuple[int, int]:
    body = client.post(f"/api/v1/queues/{queue.pk}/claim/").json()["assignment"]
    return body["task"]["session_id"], body["id"]


def _edit_and_submit(client, session_id: int, completion: str):
    edit = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": completion, "tool": "typed"},
        format="json",
    )
    assert edit.status_code == 201, edit.content
    return client.post(f"/api/v1/rewrite-sessions/{session_id}/submit/")


def test_someone_elses_session_is_not_found(seeded_rewrite_queue, scored_edits, rewriter):
    session_id, _ = _open_session(client_for(rewriter), seeded_rewrite_queue)
    stranger = client_for(ContractorFactory())
    for method, url in (
        ("get", f"/api/v1/rewrite-sessions/{session_id}/"),
        ("post", f"/api/v1/rewrite-sessions/{session_id}/submit/"),
        ("post", f"/api/v1/rewrite-sessions/{session_id}/saliency/"),
    ):
        response = getattr(stranger, method)(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    edit = stranger.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["pass_"]},
        format="json",
    )
    assert edit.status_code == 404


def test_generic_submit_cannot_bypass_the_rescore(seeded_rewrite_queue, scored_edits, rewriter):
    client = client_for(rewriter)
    _, assignment_id = _open_session(client, seeded_rewrite_queue)
    response = client.post(f"/api/v1/assignments/{assignment_id}/submit/", {"session_id": 1}, format="json")
    assert response.status_code == 400
    assert "rewrite-sessions" in response.json()["error"]["message"]
    assert not AttackSubmission.objects.exists()


def test_unchanged_seed_and_bad_tool_are_refused(seeded_rewrite_queue, scored_edits, rewriter):
    client = client_for(rewriter)
    session_id, _ = _open_session(client, seeded_rewrite_queue)
    assert client.post(f"/api/v1/rewrite-sessions/{session_id}/submit/").json()["error"]["code"] in (
        "unchanged",
        "does_not_pass",
    )
    bad = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": "x", "tool": "magic"},
        format="json",
    )
    assert bad.status_code == 400 and "tool" in bad.json()["error"]["fields"]
    empty = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": "   "},
        format="json",
    )
    assert empty.status_code == 400


def test_manual_session_has_no_tools(seeded_rewrite_queue, scored_edits, rewriter):
    seeded_rewrite_queue.kind_settings = {**seeded_rewrite_queue.kind_settings, "condition": "manual"}
    seeded_rewrite_queue.save()
    client = client_for(rewriter)
    session_id, _ = _open_session(client, seeded_rewrite_queue)
    for tool in ("saliency", "substitutions"):
        response = client.post(
            f"/api/v1/rewrite-sessions/{session_id}/{tool}/", {"start": 0, "end": 4}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "tool_not_available"
        assert "manual" in response.json()["error"]["message"]
    submitted = _edit_and_submit(client, session_id, scored_edits["pass_"])
    assert submitted.json()["source"] == "manual"


@override_settings(GAUNTLET_NEAR_DUPLICATE_MAX_EDIT_SIMILARITY=0.9)
def test_near_duplicate_of_an_adversarial_example_is_refused(
    seeded_rewrite_queue, scored_edits, rewriter, seed
):
    first = client_for(rewriter)
    session_id, _ = _open_session(first, seeded_rewrite_queue)
    submission = AttackSubmission.objects.get(
        pk=_edit_and_submit(first, session_id, scored_edits["pass_"]).json()["id"]
    )
    AdversarialExample.objects.create(
        example=submission.example,
        submission=submission,
        classifier_version=submission.classifier_version,
        score=submission.score,
        source=submission.source,
        author=rewriter,
        round="tiny-r0",
        confidence=1.0,
    )
    copycat = client_for(ContractorFactory())
    copy_session, _ = _open_session(copycat, seeded_rewrite_queue)
    refused = _edit_and_submit(copycat, copy_session, scored_edits["pass_"] + " ")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "near_duplicate"
    assert "0.900" in error["message"] and "adversarial example" in error["message"]


def test_author_never_verifies_own_rewrite_and_fillers_hide_it(
    seeded_rewrite_queue, verification_queue, scored_edits, rewriter
):
    filler = Example(prompt="sam went to the beach .", completion="sam smiled .", batch="ordinary")
    filler.save()
    verification_queue.kind_settings = {"fillers_per_submission": 1}
    verification_queue.save()
    client = client_for(rewriter)
    session_id, _ = _open_session(client, seeded_rewrite_queue)
    assert _edit_and_submit(client, session_id, scored_edits["pass_"]).status_code == 201
    in_queue = set(
        WorkItem.objects.filter(queue=verification_queue).values_list("payload__example_id", flat=True)
    )
    assert filler.pk in in_queue and len(in_queue) == 2
    claimed = client.post(f"/api/v1/queues/{verification_queue.pk}/claim/").json()["assignment"]
    # The author may label the ordinary filler, never their own rewrite.
    assert claimed["task"]["completion"] == "sam smiled ."


def test_not_injurious_consensus_is_a_failed_attempt_with_feedback(
    seeded_rewrite_queue, verification_queue, scored_edits, rewriter
):
    client = client_for(rewriter)
    session_id, _ = _open_session(client, seeded_rewrite_queue)
    _edit_and_submit(client, session_id, scored_edits["pass_"])
    for _ in range(2):
        verifier = client_for(ContractorFactory())
        claimed = verifier.post(f"/api/v1/queues/{verification_queue.pk}/claim/").json()["assignment"]
        verifier.post(
            f"/api/v1/assignments/{claimed['id']}/submit/", {"label": "not_injurious"}, format="json"
        )
    assert not AdversarialExample.objects.exists()
    mine = client.get("/api/v1/me/rewrites/").json()["results"]
    assert mine[0]["status"] == "failed"
    assert "not injurious" in mine[0]["feedback"]
    # A failed attempt earned nothing, so trying the same idea again is not a near duplicate.
    from attacks.services.near_duplicates import near_duplicate_find

    assert near_duplicate_find(prompt=SEED_PROMPT, completion=scored_edits["pass_"], author=rewriter) is None


def test_contractors_cannot_read_manager_reports(contractor_client):
    for url in ("/api/v1/attacks/cost/", "/api/v1/attacks/matrix/", "/api/v1/adversarial-examples/"):
        assert contractor_client.get(url).status_code == 403


@override_settings(
    GAUNTLET_NEAR_DUPLICATE_MAX_EDIT_SIMILARITY=0.99, GAUNTLET_NEAR_DUPLICATE_MAX_SENTENCE_SIMILARITY=0.9
)
def test_minilm_similarity_catches_a_reworded_copy(seeded_rewrite_queue, scored_edits, rewriter):
    from attacks.services.near_duplicates import near_duplicate_find

    client = client_for(rewriter)
    session_id, _ = _open_session(client, seeded_rewrite_queue)
    assert _edit_and_submit(client, session_id, scored_edits["pass_"]).status_code == 201
    reworded = "Tom went to the park; the day was sunny.\n" + scored_edits["pass_"].replace(" .", "!")
    found = near_duplicate_find(
        prompt=reworded.split("\n")[0], completion=reworded.split("\n")[1], author=rewriter
    )
    assert found is not None and found.measure == "sentence"
    assert "your earlier submission" in found.message()
