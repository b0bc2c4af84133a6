"""The claim as one PostgreSQL function call: one round trip per "give me my next task".

A claim reads the queue, takes the contractor's claim lock, reads their standing
(profile, live leases in the queue), picks the best item, takes a slot on it and
inserts the assignment. Sent statement by statement that is four round trips at
best (the queue, BEGIN with the lock and the reads, the pick-take-insert, COMMIT),
and on a busy server every round trip is a wake-up for the client, the server and
the socket.
As a PL/pgSQL function it is one call: everything runs server-side, in the
caller's transaction, or in the call's own one in autocommit.

The function does the common case and hands back the rest. With the outcome it
returns the queue's row as it read it (so a claim sees the queue's state at the
moment it claims). It answers:

- ``no_queue``: there is no such queue;
- ``refused``: the contractor may not claim here (their profile comes back, so the
  caller says why in the same words as :func:`~gauntlet.workqueue.selectors.claim_refusal`);
- ``open``: they already hold ``max_open_assignments`` live leases here (the oldest);
- ``leased``: the new assignment's id and its item's columns;
- ``slow``: leases in this queue have run out (expiring them is the ORM's job, see
  ``leases.py``), or no candidate was free to take without waiting. The caller
  then runs the statement-by-statement claim, which handles both.

Its statements are the statement path's own (:func:`~.claim_sql.candidate_sql`,
:func:`~.claim_sql.lease_sql`), and its name carries a hash of its text, so code and
function never disagree: ``migrate`` installs the version this code calls
(``post_migrate``, see ``apps.py``), and a database not migrated since simply takes
the statement path. Older versions are left in place for processes still running
older code during a deploy.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from gauntlet.accounts.models import ContractorProfile, Qualification
from gauntlet.common.sql import columns, fetch, instance_from_row, literal
from gauntlet.workqueue.models import AssignmentStatus, Queue, QueueState, WorkItem
from gauntlet.workqueue.services.claim_sql import (
    ASSIGNMENTS_TABLE,
    CLAIM_LOCK_NAMESPACE,
    PROFILES_TABLE,
    lease_sql,
)

QUEUE_PREFIX = "q_"
ITEM_PREFIX = "i_"
# What the function returns first; then the queue's columns, the new assignment's id
# and its item's columns.
HEAD_COLUMNS = (
    ("o_outcome", "text"),
    ("o_is_active", "boolean"),
    ("o_qualification", "text"),
    ("o_open_id", "bigint"),
)


def _definition(db: BaseDatabaseWrapper) -> tuple[str, str]:
    """The function's name and its ``CREATE OR REPLACE FUNCTION`` statement."""
    queue_fields = Queue._meta.concrete_fields
    q = {field.column: f"{QUEUE_PREFIX}{field.column}" for field in queue_fields}
    out = [*HEAD_COLUMNS]
    out += [(q[field.column], str(field.db_type(db))) for field in queue_fields]
    out += [("o_assignment_id", "bigint")]
    out += [
        (f"{ITEM_PREFIX}{field.column}", str(field.db_type(db))) for field in WorkItem._meta.concrete_fields
    ]
    leased = literal(AssignmentStatus.LEASED)
    lease = lease_sql(
        leading=f"{literal('leased')}::text, o_is_active, o_qualification, NULL::bigint, {', '.join(q.values())}, ",
        queue="p_queue",
        gold="v_gold",
        contractor="p_contractor",
        times="p_now, v_expires",
    )
    answer = "RETURN NEXT;\n        RETURN;"
    body = f"""
DECLARE
    v_open integer;
    v_gold boolean;
    v_pools boolean[];
    v_expires timestamptz;
BEGIN
    SELECT {columns(Queue, "q")} INTO {", ".join(q.values())}
      FROM {Queue._meta.db_table} q WHERE q."id" = p_queue;
    IF NOT FOUND THEN
        o_outcome := {literal("no_queue")};
        {answer}
    END IF;
    PERFORM pg_advisory_xact_lock({CLAIM_LOCK_NAMESPACE}, p_contractor::integer);
    SELECT p."is_active", p."qualification" INTO o_is_active, o_qualification
      FROM {PROFILES_TABLE} p WHERE p."user_id" = p_contractor;
    IF NOT FOUND OR NOT o_is_active OR o_qualification = {literal(Qualification.BLOCKED)}
       OR NOT (coalesce({q["eligible_qualifications"]}, '[]'::jsonb) ? o_qualification)
       OR {q["state"]} <> {literal(QueueState.OPEN)} THEN
        o_outcome := {literal("refused")};
        {answer}
    END IF;
    SELECT count(*), min(a."id") INTO v_open, o_open_id FROM {ASSIGNMENTS_TABLE} a
      WHERE a."contractor_id" = p_contractor AND a."queue_id" = p_queue
        AND a."status" = {leased} AND a."lease_expires_at" > p_now;
    IF v_open >= {q["max_open_assignments"]} THEN
        o_outcome := {literal("open")};
        {answer}
    END IF;
    o_open_id := NULL;
    IF EXISTS (SELECT 1 FROM {ASSIGNMENTS_TABLE} a WHERE a."queue_id" = p_queue
               AND a."status" = {leased} AND a."lease_expires_at" <= p_now) THEN
        o_outcome := {literal("slow")};
        {answer}
    END IF;
    -- Gold first with probability gold_rate, the other pool when that one is empty.
    IF {q["gold_rate"]} > 0 THEN
        v_gold := random() < {q["gold_rate"]};
        v_pools := ARRAY[v_gold, NOT v_gold];
    ELSE
        v_pools := ARRAY[false];
    END IF;
    v_expires := p_now + make_interval(secs => {q["lease_seconds"]});
    FOREACH v_gold IN ARRAY v_pools LOOP
        RETURN QUERY {lease};
        IF FOUND THEN
            RETURN;
        END IF;
    END LOOP;
    o_outcome := {literal("slow")};
    RETURN NEXT;
END
"""  # noqa: S608 - identifiers are the models' own table and column names
    signature = "p_queue bigint, p_contractor bigint, p_now timestamptz"
    returns = ", ".join(f'"{name}" {kind}' for name, kind in out)
    digest = hashlib.sha256(f"{signature}|{returns}|{body}".encode()).hexdigest()[:16]
    name = f"gauntlet_claim_{digest}"
    create = (
        f"CREATE OR REPLACE FUNCTION {name}({signature}) RETURNS TABLE ({returns}) "
        f"LANGUAGE plpgsql VOLATILE AS $claim${body}$claim$"
    )
    return name, create


@cache
def _name() -> str:
    return _definition(connection)[0]


def install(*, using: str = "default") -> str | None:
    """Create this code's version of the function in the ``using`` database (PostgreSQL
    only; idempotent); its name, or None elsewhere. Runs after every ``migrate``."""
    db = connections[using]
    if db.vendor != "postgresql":
        return None
    name, create = _definition(db)
    with db.cursor() as cursor:
        cursor.execute(create)
    _installed.pop(db.settings_dict["NAME"], None)
    return name


# Database name -> whether this code's function is there (asked once per process).
_installed: dict[str, bool] = {}


def available() -> bool:
    """Whether the current PostgreSQL database has this code's version of the function
    (asked once per process: run ``migrate`` before starting new code, as usual)."""
    if connection.vendor != "postgresql":
        return False
    database = connection.settings_dict["NAME"]
    if database not in _installed:
        ((found,),) = fetch("SELECT to_regproc(%s) IS NOT NULL", [_name()])
        _installed[database] = bool(found)
    return _installed[database]


class Answer(NamedTuple):
    """What the claim function said (see the module's docstring for the outcomes)."""

    outcome: str
    queue: Queue | None
    profile: ContractorProfile | None
    open_id: int | None
    assignment_id: int | None
    item_row: list[Any]


def claim_call(*, queue_id: int, contractor_id: int, now: datetime) -> Answer:
    """Call the claim function for ``contractor_id`` in ``queue_id`` at ``now``."""
    (row,) = fetch(f"SELECT * FROM {_name()}(%s, %s, %s)", [queue_id, contractor_id, now])  # noqa: S608
    head, rest = row[: len(HEAD_COLUMNS)], row[len(HEAD_COLUMNS) :]
    outcome, is_active, qualification, open_id = head
    queue_width = len(Queue._meta.concrete_fields)
    queue_row, (assignment_id, *item_row) = rest[:queue_width], rest[queue_width:]
    profile = None
    if is_active is not None:
        profile = ContractorProfile(user_id=contractor_id, is_active=is_active, qualification=qualification)
    queue = instance_from_row(Queue, queue_row) if queue_row[0] is not None else None
    return Answer(outcome, queue, profile, open_id, assignment_id, item_row)
