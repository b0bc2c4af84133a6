"""Submitting a session's text as an attack (after a server re-score), or abandoning the seed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from attacks import scoring
from attacks.models import (
    AttackSource,
    AttackSubmission,
    Condition,
    RewriteSession,
    SessionStatus,
    SubmissionStatus,
)
from attacks.selectors import rewrite_session_threshold
from attacks.services.near_duplicates import near_duplicate_find
from attacks.services.sessions.access import session_lock_own, session_require_open
from attacks.services.sessions.lapse import rewrite_session_close_if_lapsed
from attacks.services.verification_items import verification_items_add, verification_queue_for
from gauntlet.accounts.models import User
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue.services import assignment_release, assignment_submit
from labeling.services.examples import example_create
from ml_worker.core.passing import rejects
from ml_worker.models import ClassifierVersion

ATTACK_BATCH = "attacks"


def rewrite_session_submit(*, session: RewriteSession, contractor: User) -> AttackSubmission:
    """Submit the session's current text as an attack.

    The server re-scores the text with the attacked version (the client's number is never
    used): 409 ``does_not_pass`` at or above the threshold, 409 ``near_duplicate`` when
    too close to the author's earlier submissions or an adversarial example, 400
    ``unchanged`` for the seed's own text. Success: an Example (source manual or
    tool_assisted, parent = seed, author), an AttackSubmission, a verification item
    (authored by the rewriter, so never offered to them) and the rewrite assignment
    submitted through the engine. Idempotent: a retry returns the first submission. A session whose
    task lapsed is abandoned first (committed) and refused with 409 ``session_closed``.
    """
    rewrite_session_close_if_lapsed(session=session)
    return _submit(session=session, contractor=contractor)


@transaction.atomic
def _submit(*, session: RewriteSession, contractor: User) -> AttackSubmission:
    session = session_lock_own(session=session, contractor=contractor)
    if session.status == SessionStatus.SUBMITTED:
        return AttackSubmission.objects.get(session=session)
    session_require_open(session)
    prompt, completion = session.current_prompt, session.current_completion
    if (prompt.strip(), completion.strip()) == (session.seed.prompt.strip(), session.seed.completion.strip()):
        raise Invalid("unchanged", "This is still the seed's text; edit it before submitting.")
    version: ClassifierVersion = session.classifier_version
    version.refresh_from_db(fields=["threshold"])
    threshold = rewrite_session_threshold(session=session)
    score = scoring.text_score(version=version, prompt=prompt, completion=completion)
    if rejects(score, threshold):
        raise Conflict(
            "does_not_pass",
            f"The classifier still catches this text (score {score:.3f} >= threshold {threshold:.3f}); "
            "keep editing until it passes.",
            fields={"score": [f"{score:.4f}"]},
        )
    duplicate = near_duplicate_find(prompt=prompt, completion=completion, author=contractor)
    if duplicate is not None:
        raise Conflict("near_duplicate", duplicate.message())
    verification_queue = verification_queue_for(session.assignment.queue)
    source = AttackSource.MANUAL if session.condition == Condition.MANUAL else AttackSource.TOOL_ASSISTED
    example = example_create(
        prompt=prompt,
        completion=completion,
        source=source,
        parent=session.seed,
        author=contractor,
        batch=f"{ATTACK_BATCH}:session:{session.pk}",  # one per session: two people's equal texts stay two rows
    )
    session.status, session.ended_at, session.result = SessionStatus.SUBMITTED, timezone.now(), example
    session.current_score = score
    session.save(update_fields=["status", "ended_at", "result", "current_score"])
    item = verification_items_add(queue=verification_queue, example=example)
    submission = AttackSubmission.objects.create(
        example=example,
        source=source,
        author=contractor,
        session=session,
        classifier_version=version,
        score=score,
        threshold=threshold,
        verification_item=item,
        status=SubmissionStatus.PENDING,
        feedback="Waiting for verification.",
    )
    assignment_submit(assignment=session.assignment, contractor=contractor, data={"session_id": session.pk})
    return submission


def rewrite_session_abandon(*, session: RewriteSession, contractor: User) -> RewriteSession:
    """Give up on the seed: the session is abandoned and the task released. Idempotent."""
    rewrite_session_close_if_lapsed(session=session)
    return _abandon(session=session, contractor=contractor)


@transaction.atomic
def _abandon(*, session: RewriteSession, contractor: User) -> RewriteSession:
    session = session_lock_own(session=session, contractor=contractor)
    if session.status == SessionStatus.ABANDONED:
        return session
    if session.status == SessionStatus.SUBMITTED:
        raise Conflict("already_submitted", "This session was submitted; it cannot be abandoned.")
    assignment_release(assignment=session.assignment, contractor=contractor)
    session.status, session.ended_at = SessionStatus.ABANDONED, timezone.now()
    session.save(update_fields=["status", "ended_at"])
    return session
