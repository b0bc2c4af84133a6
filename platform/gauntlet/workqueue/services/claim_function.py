"""The claim as one PostgreSQL function call: one round trip per "give me my next task".

A claim takes the contractor's claim lock, reads their standing (profile, live
leases in the queue), picks the best item, takes a slot on it and inserts the
assignment. Sent statement by statement that is three round trips at best
(BEGIN with the lock and the reads, the pick-take-insert, COMMIT), and on a busy
server every round trip is a wake-up for the client, the server and the socket.
As a PL/pgSQL function it is one call: everything runs server-side, in the
caller's transaction, or in the call's own one in autocommit.

The function does the common case and hands back the rest. It answers:

- ``refused``: the contractor may not claim here (their profile comes back, so the
  caller says why in the same words as :func:`~gauntlet.workqueue.selectors.claim_refusal`);
- ``open``: they already hold ``max_open_assignments`` live leases here (the oldest);
- ``leased``: the new assignment's id and its item's columns;
- ``slow``: leases in this queue have run out (expiring them is the ORM's job, see
  ``leases.py``), or no candidate was free to take without waiting. The caller
  then runs the statement-by-statement claim, which handles both.

Its statements are the statement path's own (:func:`~.claiming.candidate_sql`,
:func:`~.claiming.lease_sql`), and its name carries a hash of its text, so code and
function never disagree: ``migrate`` installs the version this code calls
(``post_migrate``, see ``apps.py``), and a database not migrated since simply takes
the statement path. Older versions are left in place for processes still running
older code during a deploy.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from gauntlet.accounts.models import ContractorProfile, Qualification
from gauntlet.common.sql import fetch, literal
from gauntlet.workqueue.models import AssignmentStatus, WorkItem

ITEM_PREFIX = "i_"
# What the function returns before the item's columns.
HEAD_COLUMNS = (
    ("o_outcome", "text"),
    ("o_is_active", "boolean"),
    ("o_qualification", "text"),
    ("o_open_id", "bigint"),
    ("o_assignment_id", "bigint"),
)


def _definition(db: BaseDatabaseWrapper) -> tuple[str, str]:
    """The function's name and its ``CREATE OR REPLACE FUNCTION`` statement."""
    # Imported here: claiming imports this module.
    from gauntlet.workqueue.services.claiming import (
        ASSIGNMENTS_TABLE,
        CLAIM_LOCK_NAMESPACE,
        PROFILES_TABLE,
        lease_sql,
    )

    out = [*HEAD_COLUMNS]
    out += [(f"{ITEM_PREFIX}{field.column}", str(field.db_type(db))) for field in WorkItem._meta.concrete_fields]
    leased = literal(AssignmentStatus.LEASED)
    lease = lease_sql(
        leading=f"{literal('leased')}::text, o_is_active, o_qualification, NULL::bigint, ",
        queue="p_queue",
        gold="v_gold",
        contractor="p_contractor",
        times="p_now, p_expires",
    )
    body = f"""
DECLARE
    v_open integer;
    v_gold boolean;
BEGIN
    PERFORM pg_advisory_xact_lock({CLAIM_LOCK_NAMESPACE}, p_contractor::integer);
    SELECT p."is_active", p."qualification" INTO o_is_active, o_qualification
      FROM {PROFILES_TABLE} p WHERE p."user_id" = p_contractor;
    IF NOT FOUND OR NOT o_is_active OR o_qualification = {literal(Qualification.BLOCKED)}
       OR NOT (o_qualification = ANY (p_eligible)) OR NOT p_open THEN
        o_outcome := {literal("refused")};
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT count(*), min(a."id") INTO v_open, o_open_id FROM {ASSIGNMENTS_TABLE} a
      WHERE a."contractor_id" = p_contractor AND a."queue_id" = p_queue
        AND a."status" = {leased} AND a."lease_expires_at" > p_now;
    IF v_open >= p_max_open THEN
        o_outcome := {literal("open")};
        RETURN NEXT;
        RETURN;
    END IF;
    o_open_id := NULL;
    IF EXISTS (SELECT 1 FROM {ASSIGNMENTS_TABLE} a WHERE a."queue_id" = p_queue
               AND a."status" = {leased} AND a."lease_expires_at" <= p_now) THEN
        o_outcome := {literal("slow")};
        RETURN NEXT;
        RETURN;
    END IF;
    FOREACH v_gold IN ARRAY p_pools LOOP
        RETURN QUERY {lease};
        IF FOUND THEN
            RETURN;
        END IF;
    END LOOP;
    o_outcome := {literal("slow")};
    RETURN NEXT;
END
"""  # noqa: S608 - identifiers are the models' own table and column names
    signature = (
        "p_queue bigint, p_contractor bigint, p_now timestamptz, p_expires timestamptz, "
        "p_pools boolean[], p_max_open integer, p_eligible text[], p_open boolean"
    )
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
    """Whether the current PostgreSQL database has this code's version of the function."""
    if connection.vendor != "postgresql":
        return False
    database = connection.settings_dict["NAME"]
    if database not in _installed:
        ((found,),) = fetch("SELECT to_regproc(%s) IS NOT NULL", [_name()])
        _installed[database] = bool(found)
    return _installed[database]


def claim_call(
    *, queue_id: int, contractor_id: int, now: datetime, lease_seconds: int, pools: list[bool],
    max_open: int, eligible: list[str], is_open: bool,
) -> tuple[str, ContractorProfile | None, int | None, int | None, list[Any]]:  # fmt: skip
    """Call the function: ``(outcome, profile, open assignment id, new assignment id,
    the new assignment's item row)`` (see the module's docstring for the outcomes)."""
    adapt = connection.ops.adapt_datetimefield_value
    expires = now + timedelta(seconds=lease_seconds)
    params = [queue_id, contractor_id, adapt(now), adapt(expires), pools, max_open, eligible, is_open]
    (row,) = fetch(f"SELECT * FROM {_name()}(%s, %s, %s, %s, %s, %s, %s, %s)", params)  # noqa: S608
    outcome, is_active, qualification, open_id, assignment_id, *item_row = row
    profile = None
    if is_active is not None:
        profile = ContractorProfile(user_id=contractor_id, is_active=is_active, qualification=qualification)
    return outcome, profile, open_id, assignment_id, item_row
