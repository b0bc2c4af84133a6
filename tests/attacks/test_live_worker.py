"""A rewrite session scored end to end by a real Celery worker process (gpu queue) over Redis: the web
process never loads the model; the worker loads the tiny classifier version from its artifact_uri."""

from __future__ import annotations

import pytest

from attacks.models import AttackSubmission, RewriteEdit, RewriteSession, SessionStatus
from gauntlet.workqueue.models import AssignmentStatus, WorkItem
from ml_worker import runtime
from tests.attacks.conftest import EDIT_COMPLETIONS, SEED_COMPLETION, SEED_PROMPT
from tests.conftest import client_for


@pytest.mark.django_db(transaction=True)
def test_rewrite_edits_are_scored_by_a_real_worker(
    ml_env, tiny_version, seeded_rewrite_queue, rewriter, celery_worker_process
):
    # tiny_version.artifact_uri is a local checkpoint directory, which the worker process reads directly.
    client = client_for(rewriter)
    claim = client.post("/api/v1/rewrite-sessions/", {"queue": seeded_rewrite_queue.pk}, format="json")
    assert claim.status_code == 201, claim.content
    session_id = claim.json()["id"]
    edits = {}
    for completion in EDIT_COMPLETIONS:
        response = client.post(
            f"/api/v1/rewrite-sessions/{session_id}/edits/",
            {"prompt": SEED_PROMPT, "completion": completion, "tool": "typed"},
            format="json",
        )
        assert response.status_code == 201, response.content
        edits[completion] = response.json()["score"]
    assert runtime.loaded_version_id() is None  # every score so far came from the worker, not this process

    # The worker's scores are the tiny model's: recompute them here from the same artifact.
    clf = runtime.classifier_for(tiny_version)
    expected = clf.score([(SEED_PROMPT, c) for c in [SEED_COMPLETION, *EDIT_COMPLETIONS]])
    assert claim.json()["score"] == pytest.approx(float(expected[0]), abs=1e-4)
    for completion, score in zip(EDIT_COMPLETIONS, expected[1:], strict=True):
        assert edits[completion] == pytest.approx(float(score), abs=1e-4)
    stored = dict(RewriteEdit.objects.filter(session_id=session_id).values_list("completion", "score"))
    assert stored == {SEED_COMPLETION: pytest.approx(float(expected[0]), abs=1e-4), **edits}
    runtime.reset()

    ranked = sorted(edits, key=edits.__getitem__)
    low, high = ranked[0], ranked[-1]
    assert edits[high] > edits[low]
    tiny_version.threshold = (edits[low] + edits[high]) / 2
    tiny_version.save(update_fields=["threshold"])

    def edit_and_submit(completion: str):  # type: ignore[no-untyped-def]
        client.post(
            f"/api/v1/rewrite-sessions/{session_id}/edits/",
            {"prompt": SEED_PROMPT, "completion": completion, "tool": "typed"},
            format="json",
        )
        return client.post(f"/api/v1/rewrite-sessions/{session_id}/submit/")

    caught = edit_and_submit(high)  # the worker's re-score at submit is above the threshold
    assert caught.status_code == 409 and caught.json()["error"]["code"] == "does_not_pass"
    passed = edit_and_submit(low)
    assert passed.status_code == 201, passed.content
    assert runtime.loaded_version_id() is None

    submission = AttackSubmission.objects.select_related("example", "session__assignment").get()
    assert submission.score == pytest.approx(edits[low], abs=1e-4) and submission.score < submission.threshold
    assert submission.example.completion == low and submission.example.author_id == rewriter.pk
    assert submission.session.status == SessionStatus.SUBMITTED
    assert submission.session.assignment.status == AssignmentStatus.SUBMITTED
    assert WorkItem.objects.filter(
        payload__example_id=submission.example_id, queue__kind="verification"
    ).exists()
    assert RewriteSession.objects.get(pk=session_id).edits.count() == 1 + len(EDIT_COMPLETIONS) + 2
