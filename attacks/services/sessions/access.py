"""The checks every session write makes: the contractor's own row, locked; still open; tools allowed;
and the activity that keeps the task's lease alive."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from attacks.models import Condition, RewriteSession, SessionStatus
from attacks.services.sessions.lapse import rewrite_session_close_if_lapsed
from gauntlet.accounts.models import User
from gauntlet.errors import Conflict, Forbidden, NotFound
from gauntlet.workqueue.models import AssignmentStatus
from gauntlet.workqueue.services import assignment_heartbeat


def session_lock_own(*, session: RewriteSession, contractor: User) -> RewriteSession:
    locked = (
        RewriteSession.objects.select_for_update(of=("self",))
        .select_related("assignment", "assignment__queue", "classifier_version", "seed")
        .filter(pk=session.pk, contractor_id=contractor.pk)
        .first()
    )
    if locked is None:
        raise NotFound("not_found", "No such rewrite session.")
    return locked


def session_require_open(session: RewriteSession) -> None:
    if session.status != SessionStatus.OPEN:
        raise Conflict(
            "session_closed", f"This rewrite session is {session.status}; claim a new seed to keep attacking."
        )
    if session.assignment.status != AssignmentStatus.LEASED:
        raise Conflict(
            "session_closed",
            f"The task behind this session is {session.assignment.status}; claim a new seed to keep attacking.",
        )


# Edits come every few hundred milliseconds while someone types; the task's heartbeat (five
# statements: lock, standing, the person's activity clock, the lease) runs at most this often.
# Time between is not lost: the next heartbeat counts it (well inside WORKQUEUE_HEARTBEAT_CAP_SECONDS).
KEEP_ALIVE_EVERY = timedelta(seconds=10)


def session_keep_alive(session: RewriteSession, contractor: User) -> None:
    """An edit or a tool request is activity: it counts active time and extends the lease (409 if it ran out).

    Skipped while the task's last heartbeat is under ``KEEP_ALIVE_EVERY`` old and its lease has more than
    that left; a blocked contractor's lease is released when they are blocked, which the session's own
    open check (under its lock) refuses."""
    assignment = session.assignment
    now = timezone.now()
    recent = (
        assignment.last_heartbeat_at is not None and now - assignment.last_heartbeat_at < KEEP_ALIVE_EVERY
    )
    if recent and assignment.lease_expires_at - now > KEEP_ALIVE_EVERY:
        return
    assignment_heartbeat(assignment=assignment, contractor=contractor, active=True)


def session_require_tools(session: RewriteSession) -> None:
    if session.condition != Condition.TOOL_ASSISTED:
        raise Forbidden(
            "tool_not_available",
            "This is a manual rewrite session: only the live score is available (no saliency or substitutions).",
        )


def session_open_for_tools(*, session: RewriteSession, contractor: User) -> RewriteSession:
    """The session, checked open and tool-assisted, its task's lease kept alive (the model
    call that follows runs outside the transaction)."""
    rewrite_session_close_if_lapsed(session=session)
    with transaction.atomic():
        session = session_lock_own(session=session, contractor=contractor)
        session_require_tools(session)
        session_require_open(session)
        session_keep_alive(session, contractor)
    return session
