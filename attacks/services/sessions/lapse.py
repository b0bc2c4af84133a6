"""Ending sessions whose task is gone: lapsed leases and releases outside the session become abandoned."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from attacks.models import RewriteSession, SessionStatus
from gauntlet.accounts.models import User
from gauntlet.workqueue.models import AssignmentStatus, Queue
from gauntlet.workqueue.services import leases_expire


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
    if session.status != SessionStatus.OPEN or _visibly_live(session):
        return session
    if rewrite_sessions_close_lapsed(session_ids=[session.pk]):
        session.refresh_from_db(fields=["status", "ended_at"])
    return session


def _visibly_live(session: RewriteSession) -> bool:
    """The task row the session was read with is leased and unexpired: nothing can have lapsed, so the
    locking pass (a transaction and two queries on every edit) is skipped. A row that changed since is
    caught by the edit's own checks under its lock (status, then the heartbeat's lease check)."""
    assignment = session.assignment
    return assignment.status == AssignmentStatus.LEASED and assignment.lease_expires_at > timezone.now()
