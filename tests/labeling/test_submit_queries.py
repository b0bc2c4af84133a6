"""Claim + submit send a fixed, short list of statements to PostgreSQL, whatever the queue's size.

Counted at the driver (every ``psycopg`` cursor execute: the ORM's queries and the
hot-path prepared statements of token auth and the claim function alike), so a
query that creeps back into the loop a contractor waits on fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db.models import F

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment, Queue
from gauntlet.workqueue.services import claim_function
from labeling.models import Consensus
from tests.conftest import client_for
from tests.labeling.conftest import add_examples, make_example, make_queue, new_rater

pytestmark = pytest.mark.django_db

# What one claim needs: who is asking (token), the claim function (queue, standing,
# pick, lease, insert in one call), the example the task shows.
CLAIM = ["select authtoken_token", "select gauntlet_claim", "select labeling_example"]
# What one submit needs: who is asking, the assignment with its item and queue locked and
# the contractor's standing read fresh (a block takes effect at once) in one statement, the
# contractor's activity clock (created if missing and locked in one statement, then moved), the
# label inserted with the item's other counted labels read in the same statement (``WITH … INSERT
# … SELECT``: what the consensus counts if this judgment completes the item; it was a statement of
# its own), and one last statement saving the assignment, the consensus upsert and the item's
# counters (``WITH … UPDATE``: the assignment and the consensus were statements of their own, 9 in
# all before).
SUBMIT = [
    "select authtoken_token",
    "select workqueue_assignment",
    "insert workqueue_activityclock",
    "update workqueue_activityclock",
    "with labeling_label",
    "with workqueue_assignment labeling_consensus workqueue_workitem",
]
# A submit that does not complete its item writes no consensus.
SUBMIT_PARTIAL = [*SUBMIT[:-1], "with workqueue_assignment workqueue_workitem"]


def _shape(sql: str) -> str:
    """``verb table``: the statement's kind and the first table (or function) it names (every table,
    for a ``WITH`` statement)."""
    verb = sql.split(None, 1)[0].lower()
    if verb == "select" and re.search(r"\bgauntlet_claim_[0-9a-f]+\(", sql):
        return "select gauntlet_claim"  # the claim function, whose name carries its hash
    tables = re.findall(r'(?:from|into|update)\s+"?(?!set\b)(\w+)"?', sql, re.IGNORECASE)  # not DO UPDATE SET
    if verb == "with":  # one statement of several parts: every table it writes or reads, in order
        return " ".join([verb, *dict.fromkeys(tables)])
    return f"{verb} {tables[0] if tables else '?'}"


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    execute: Callable[..., Any] = psycopg.Cursor.execute

    def counting(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        text = (
            query
            if isinstance(query, str)
            else query.as_string(self)
            if hasattr(query, "as_string")
            else str(query)
        )
        if not re.match(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", text, re.IGNORECASE):
            seen.append(text)
        return execute(self, query, *args, **kwargs)

    claim_function.install()  # this code's version, even on a test database migrated by older code
    claim_function.available()  # asked once per process: not part of any one claim
    monkeypatch.setattr(psycopg.Cursor, "execute", counting)  # undone by monkeypatch after the test
    return seen


def _cycle(queue: Queue, rater: User, statements: list[str]) -> tuple[list[str], list[str]]:
    client = client_for(rater)
    statements.clear()
    claimed = client.post(f"/api/v1/queues/{queue.pk}/claim/")
    claim = [_shape(sql) for sql in statements]
    assignment = claimed.json()["assignment"]
    assert assignment is not None, claimed.json()
    # A person reads the task for a few seconds before answering; the activity clock then has whole
    # seconds to count (under one second it counts nothing and writes nothing, a statement fewer).
    Assignment.objects.filter(pk=assignment["id"]).update(claimed_at=F("claimed_at") - timedelta(seconds=5))
    statements.clear()
    submitted = client.post(
        f"/api/v1/assignments/{assignment['id']}/submit/", {"label": "injurious"}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    return claim, [_shape(sql) for sql in statements]


@pytest.mark.parametrize("overlap", [1, 3])
def test_claim_and_submit_issue_only_the_statements_they_need(
    manager: User, statements: list[str], overlap: int
) -> None:
    queue = make_queue(manager, overlap=overlap)
    add_examples(queue, [make_example(n) for n in range(3)])
    for n in range(overlap):  # raters finish the first item before starting the next
        claim, submit = _cycle(queue, new_rater(), statements)
        assert claim == CLAIM
        assert submit == (SUBMIT if n == overlap - 1 else SUBMIT_PARTIAL)
    assert Consensus.objects.filter(queue=queue).count() == 1


def test_the_count_does_not_grow_with_the_queue(manager: User, statements: list[str]) -> None:
    queue = make_queue(manager, overlap=1)
    add_examples(queue, [make_example(n) for n in range(300)])
    for _ in range(40):  # 40 items already labelled, with their consensus
        _cycle(queue, new_rater(), statements)
    claim, submit = _cycle(queue, new_rater(), statements)
    assert (claim, submit) == (CLAIM, SUBMIT)
    assert Consensus.objects.filter(queue=queue).count() == 41
