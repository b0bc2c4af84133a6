"""Rewrite sessions: open on claim, score every edit, answer the tools, submit after a server re-score."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import status

from attacks import scoring
from attacks.kinds import VERIFICATION
from attacks.models import (
    AttackSource,
    AttackSubmission,
    Condition,
    EditTool,
    RewriteEdit,
    RewriteSession,
    SessionStatus,
    SubmissionStatus,
)
from attacks.services.near_duplicates import near_duplicate_find
from gauntlet.accounts.models import User
from gauntlet.api import ApiError
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue, QueueState, WorkItem
from gauntlet.workqueue.services import (
    assignment_heartbeat,
    assignment_release,
    assignment_submit,
    items_add,
    leases_expire,
)
from labeling.models import Example, Source
from labeling.services.examples import example_create
from ml_worker.models import ClassifierVersion
from ml_worker.selectors import classifier_version_active

ATTACK_BATCH = "attacks"


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
    existing = RewriteSession.objects.select_related("seed", "classifier_version").filter(
        assignment=assignment
    )
    session = existing.first()
    if session is not None:
        return session
    version = classifier_version_active()
    if version is None:
        raise ApiError(
            "no_active_classifier", "No classifier version is active; a manager must promote one first.", 409
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


@transaction.atomic
def rewrite_sessions_close_lapsed(
    *, session_ids: list[int] | None = None, contractor: User | None = None, now: datetime | None = None
) -> int:
    """Mark open sessions whose rewrite task is gone (lease expired, or released outside the session) as
    abandoned; returns how many. Limited to ``session_ids`` and/or one contractor's sessions when given.

    A session whose assignment is still leased but past its expiry has its lease expired first (the work
    queue's own expiry for that queue), so session and assignment always agree. ``ended_at`` is when the
    attempt really ended: the lease's expiry, or the last activity before a release. Abandoned sessions
    stay attempts in the cost report (not submitted), with the active time they used.

    Idempotent and safe alongside edits: only open sessions are touched, and rows another transaction
    holds (an edit in flight) are skipped until the next call.
    """
    now = now or timezone.now()
    scope = RewriteSession.objects.filter(status=SessionStatus.OPEN)
    if session_ids is not None:
        scope = scope.filter(pk__in=session_ids)
    if contractor is not None:
        scope = scope.filter(contractor_id=contractor.pk)
    queues_due = set(
        scope.filter(
            assignment__status=AssignmentStatus.LEASED, assignment__lease_expires_at__lte=now
        ).values_list("assignment__queue_id", flat=True)
    )
    for queue in Queue.objects.filter(pk__in=queues_due):
        leases_expire(queue=queue, now=now)
    lapsed = list(
        scope.select_for_update(of=("self",), skip_locked=True)
        .filter(assignment__status__in=(AssignmentStatus.EXPIRED, AssignmentStatus.RELEASED))
        .select_related("assignment")
    )
    for session in lapsed:
        assignment = session.assignment
        if assignment.status == AssignmentStatus.EXPIRED:
            session.ended_at = min(assignment.lease_expires_at, now)
        else:
            session.ended_at = assignment.last_heartbeat_at or assignment.claimed_at
        session.status = SessionStatus.ABANDONED
    RewriteSession.objects.bulk_update(lapsed, ["status", "ended_at"])
    return len(lapsed)


def rewrite_session_close_if_lapsed(*, session: RewriteSession) -> RewriteSession:
    """The session, abandoned first (and committed) if its task lapsed; called before every read or write
    of a session, so an expired or released one never looks open."""
    if session.status == SessionStatus.OPEN and rewrite_sessions_close_lapsed(session_ids=[session.pk]):
        session.refresh_from_db(fields=["status", "ended_at"])
    return session


def _lock_own(*, session: RewriteSession, contractor: User) -> RewriteSession:
    locked = (
        RewriteSession.objects.select_for_update(of=("self",))
        .select_related("assignment", "assignment__queue", "classifier_version", "seed")
        .filter(pk=session.pk, contractor_id=contractor.pk)
        .first()
    )
    if locked is None:
        raise ApiError("not_found", "No such rewrite session.", status.HTTP_404_NOT_FOUND)
    return locked


def _require_open(session: RewriteSession) -> None:
    if session.status != SessionStatus.OPEN:
        raise ApiError(
            "session_closed",
            f"This rewrite session is {session.status}; claim a new seed to keep attacking.",
            409,
        )
    if session.assignment.status != AssignmentStatus.LEASED:
        raise ApiError(
            "session_closed",
            f"The task behind this session is {session.assignment.status}; claim a new seed to keep attacking.",
            409,
        )


def _keep_alive(session: RewriteSession, contractor: User) -> None:
    """An edit or a tool request is activity: it counts active time and extends the lease (409 if it ran out)."""
    assignment_heartbeat(assignment=session.assignment, contractor=contractor, active=True)


def rewrite_edit_record(
    *, session: RewriteSession, contractor: User, prompt: str, completion: str, tool: str
) -> RewriteEdit:
    """Score the edited text with the session's classifier version and record it as the current text.

    409 ``session_closed`` when the session ended (a lapsed task abandons it first, committed)."""
    rewrite_session_close_if_lapsed(session=session)
    return _edit_record(
        session=session, contractor=contractor, prompt=prompt, completion=completion, tool=tool
    )


@transaction.atomic
def _edit_record(
    *, session: RewriteSession, contractor: User, prompt: str, completion: str, tool: str
) -> RewriteEdit:
    session = _lock_own(session=session, contractor=contractor)
    _require_open(session)
    if tool not in EditTool.values or tool == EditTool.SEED:
        choices = ", ".join(v for v in EditTool.values if v != EditTool.SEED)
        raise ApiError("invalid_tool", f"tool must be one of {choices}.", 400, fields={"tool": [choices]})
    score = scoring.text_score(version=session.classifier_version, prompt=prompt, completion=completion)
    _keep_alive(session, contractor)
    last = session.edits.order_by("-seq").values_list("seq", flat=True).first() or 0
    edit = RewriteEdit.objects.create(
        session=session, seq=last + 1, prompt=prompt, completion=completion, score=score, tool=tool
    )
    session.current_prompt, session.current_completion, session.current_score = prompt, completion, score
    session.save(update_fields=["current_prompt", "current_completion", "current_score"])
    return edit


def _require_tools(session: RewriteSession) -> None:
    if session.condition != Condition.TOOL_ASSISTED:
        raise ApiError(
            "tool_not_available",
            "This is a manual rewrite session: only the live score is available (no saliency or substitutions).",
            status.HTTP_403_FORBIDDEN,
        )


def _open_for_tools(*, session: RewriteSession, contractor: User) -> RewriteSession:
    """The session, checked open and tool-assisted, its task's lease kept alive (the model
    call that follows runs outside the transaction)."""
    rewrite_session_close_if_lapsed(session=session)
    with transaction.atomic():
        session = _lock_own(session=session, contractor=contractor)
        _require_tools(session)
        _require_open(session)
        _keep_alive(session, contractor)
    return session


def rewrite_saliency(*, session: RewriteSession, contractor: User) -> dict[str, Any]:
    """Token saliency of the session's current text (tool-assisted sessions only)."""
    session = _open_for_tools(session=session, contractor=contractor)
    return scoring.text_saliency(
        version=session.classifier_version,
        prompt=session.current_prompt,
        completion=session.current_completion,
    )


def rewrite_substitutions(
    *, session: RewriteSession, contractor: User, field: str, start: int, end: int, k: int
) -> dict[str, Any]:
    """Replacement suggestions for a span of the current text, sorted by the score they give."""
    session = _open_for_tools(session=session, contractor=contractor)
    return scoring.text_substitutions(
        version=session.classifier_version,
        prompt=session.current_prompt,
        completion=session.current_completion,
        field=field,
        start=start,
        end=end,
        k=k,
    )


def verification_queue_for(queue: Queue) -> Queue:
    queue_id = (queue.kind_settings or {}).get("verification_queue_id")
    target = Queue.objects.filter(pk=queue_id, kind=VERIFICATION).first() if queue_id else None
    if target is None or target.state == QueueState.CLOSED:
        raise ApiError(
            "no_verification_queue",
            "This rewrite queue has no open verification queue (kind_settings.verification_queue_id); "
            "ask a manager to set one.",
            409,
        )
    return target


def verification_items_add(*, queue: Queue, example: Example) -> WorkItem:
    """Put ``example`` on the verification queue, mixed with ordinary examples in random order.

    Fillers (``kind_settings.fillers_per_submission``, default 1) are ordinary imported or
    generated examples not yet in that queue, so verifiers cannot tell the attack apart.
    """
    wanted = int((queue.kind_settings or {}).get("fillers_per_submission", 1))
    # The examples already on the queue, as a subquery (verification payloads hold integer ids).
    taken = (
        WorkItem.objects.filter(queue=queue)
        .annotate(example_id=Cast(KT("payload__example_id"), IntegerField()))
        .values("example_id")
    )
    fillers = list(
        Example.objects.filter(source__in=(Source.IMPORT, Source.GENERATOR), attack_submission__isnull=True)
        .exclude(pk__in=taken)
        .exclude(pk__in=[example.pk, example.parent_id or 0])  # its own seed would give the rewrite away
        .order_by("?")
        .values_list("pk", flat=True)[: max(wanted, 0)]
    )
    rows: list[dict[str, Any]] = [{"payload": {"example_id": pk}} for pk in [example.pk, *fillers]]
    random.shuffle(rows)  # the attack is not always the first of its group
    items = items_add(queue=queue, items=rows)
    return next(item for item in items if item.payload["example_id"] == example.pk)


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
    session = _lock_own(session=session, contractor=contractor)
    if session.status == SessionStatus.SUBMITTED:
        return AttackSubmission.objects.get(session=session)
    _require_open(session)
    prompt, completion = session.current_prompt, session.current_completion
    if (prompt.strip(), completion.strip()) == (session.seed.prompt.strip(), session.seed.completion.strip()):
        raise ApiError("unchanged", "This is still the seed's text; edit it before submitting.", 400)
    version: ClassifierVersion = session.classifier_version
    version.refresh_from_db(fields=["threshold"])
    score = scoring.text_score(version=version, prompt=prompt, completion=completion)
    if score >= version.threshold:
        raise ApiError(
            "does_not_pass",
            f"The classifier still catches this text (score {score:.3f} >= threshold {version.threshold:.3f}); "
            "keep editing until it passes.",
            409,
            fields={"score": [f"{score:.4f}"]},
        )
    duplicate = near_duplicate_find(prompt=prompt, completion=completion, author=contractor)
    if duplicate is not None:
        raise ApiError("near_duplicate", duplicate.message(), 409)
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
        threshold=version.threshold,
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
    session = _lock_own(session=session, contractor=contractor)
    if session.status == SessionStatus.ABANDONED:
        return session
    if session.status == SessionStatus.SUBMITTED:
        raise ApiError("already_submitted", "This session was submitted; it cannot be abandoned.", 409)
    assignment_release(assignment=session.assignment, contractor=contractor)
    session.status, session.ended_at = SessionStatus.ABANDONED, timezone.now()
    session.save(update_fields=["status", "ended_at"])
    return session
