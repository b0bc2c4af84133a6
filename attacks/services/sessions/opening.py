"""Opening a rewrite session on a claimed seed: the classifier version, threshold and seed score it starts from."""

from __future__ import annotations

from django.db import transaction

from attacks import scoring
from attacks.models import Condition, EditTool, RewriteEdit, RewriteSession
from attacks.services.sessions.lapse import rewrite_sessions_close_lapsed
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue.models import Assignment, ItemState, Queue, WorkItem
from gauntlet.workqueue.services import assignment_release
from labeling.models import Example
from ml_worker.selectors import classifier_version_active


def queue_condition(queue: Queue) -> str:
    condition = (queue.kind_settings or {}).get("condition", Condition.TOOL_ASSISTED)
    return condition if condition in Condition.values else Condition.TOOL_ASSISTED


@transaction.atomic
def rewrite_session_open(*, assignment: Assignment) -> RewriteSession:
    """The assignment's session, opened on first call against the active classifier version.

    Idempotent (one session per assignment). Side effects: scores the seed (edit 0); the contractor's
    sessions whose task lapsed are marked abandoned.
    409 when no classifier version is active.
    """
    # A double-click sends two opens at once: the assignment's row lock makes the second wait
    # and then find the first one's session, instead of inserting a second one (a 500).
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    existing = RewriteSession.objects.select_related("seed", "classifier_version").filter(
        assignment=assignment
    )
    session = existing.first()
    if session is not None:
        return session
    version = classifier_version_active()
    if version is None:
        raise Conflict(
            "no_active_classifier", "No classifier version is active; a manager must promote one first."
        )
    # A new claim is when the contractor's earlier, lapsed sessions are known to be over.
    rewrite_sessions_close_lapsed(contractor=assignment.contractor)
    seed = Example.objects.get(pk=assignment.item.payload["example_id"])
    score = scoring.text_score(version=version, prompt=seed.prompt, completion=seed.completion)
    session = RewriteSession.objects.create(
        assignment=assignment,
        contractor_id=assignment.contractor_id,
        seed=seed,
        classifier_version=version,
        threshold=version.threshold,
        condition=queue_condition(assignment.queue),
        current_prompt=seed.prompt,
        current_completion=seed.completion,
        current_score=score,
    )
    RewriteEdit.objects.create(
        session=session,
        seq=0,
        prompt=seed.prompt,
        completion=seed.completion,
        score=score,
        tool=EditTool.SEED,
    )
    return session


def rewrite_session_open_on_claim(*, assignment: Assignment) -> RewriteSession:
    """:func:`rewrite_session_open` for a claim. A seed the classifier cannot score (a completion over
    its token limit: the import allows more characters than the classifier reads, and the completion
    is never cut) can never be attacked, so its item is cancelled and the lease given back, committed,
    and the claim answered 409 ``seed_unscorable`` with the reason, instead of the same 400 on every
    claim while the contractor holds a lease they can do nothing with."""
    try:
        return rewrite_session_open(assignment=assignment)
    except Invalid as refusal:
        if refusal.code != "text_too_long":
            raise
        with transaction.atomic():
            assignment_release(assignment=assignment, contractor=assignment.contractor)
            WorkItem.objects.filter(pk=assignment.item_id).update(state=ItemState.CANCELLED)
        raise Conflict(
            "seed_unscorable",
            f"This seed cannot be attacked: {refusal.message}. It was taken off the queue; claim again "
            "for another.",
        ) from refusal
