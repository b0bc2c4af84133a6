"""Edits keep the task alive without a heartbeat per keystroke, and no active time is lost.

Someone typing sends an edit every few hundred milliseconds; each used to run the task's whole
heartbeat. An edit now heartbeats only when the last one is ``KEEP_ALIVE_EVERY`` old (or the lease
is about to run out), and the next heartbeat counts the time in between.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attacks.models import RewriteSession
from attacks.services.sessions.access import KEEP_ALIVE_EVERY
from gauntlet.workqueue.models import Assignment
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _edit(client, session_id: int, completion: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": completion, "tool": "typed"},
        format="json",
    )
    assert response.status_code == 201, response.content


def _shift_back(assignment: Assignment, seconds: int) -> None:
    """Pretend the last heartbeat (and the person's clock) happened ``seconds`` ago."""
    Assignment.objects.filter(pk=assignment.pk).update(
        last_heartbeat_at=assignment.last_heartbeat_at - timedelta(seconds=seconds),
        claimed_at=assignment.claimed_at - timedelta(seconds=seconds),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workqueue_activityclock SET counted_until = counted_until - %s WHERE contractor_id = %s",
            [timedelta(seconds=seconds), assignment.contractor_id],
        )


def test_rapid_edits_share_one_heartbeat_and_the_next_one_counts_the_time_between(
    seeded_rewrite_queue, scored_edits, rewriter
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rewriter)
    claim = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()
    session_id = claim["assignment"]["task"]["session_id"]
    assignment = RewriteSession.objects.get(pk=session_id).assignment
    _edit(client, session_id, "anna cut the dog .")  # the first edit heartbeats (none yet)
    assignment.refresh_from_db()
    first_beat, lease = assignment.last_heartbeat_at, assignment.lease_expires_at
    assert first_beat is not None

    with CaptureQueriesContext(connection) as typed:
        _edit(client, session_id, "anna cut the dog a .")
    assignment.refresh_from_db()
    assert (assignment.last_heartbeat_at, assignment.lease_expires_at) == (first_beat, lease)
    assert not any("workqueue_activityclock" in q["sql"] for q in typed.captured_queries)

    # Typing went on for a while: the next edit past KEEP_ALIVE_EVERY heartbeats and counts it all.
    before = assignment.active_seconds
    gap = int(KEEP_ALIVE_EVERY.total_seconds()) + 5
    _shift_back(assignment, gap)
    _edit(client, session_id, "anna cut the dog ab .")
    assignment.refresh_from_db()
    assert assignment.last_heartbeat_at > first_beat
    assert assignment.active_seconds - before >= gap


def test_an_edit_near_the_end_of_the_lease_extends_it_at_once(
    seeded_rewrite_queue, scored_edits, rewriter
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rewriter)
    claim = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()
    session_id = claim["assignment"]["task"]["session_id"]
    _edit(client, session_id, "anna cut the dog .")
    assignment = RewriteSession.objects.get(pk=session_id).assignment
    ending = assignment.last_heartbeat_at + KEEP_ALIVE_EVERY / 2
    Assignment.objects.filter(pk=assignment.pk).update(lease_expires_at=ending)
    _edit(client, session_id, "anna cut the dog a .")
    assignment.refresh_from_db()
    assert assignment.lease_expires_at > ending + timedelta(minutes=1)
