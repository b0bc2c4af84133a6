"""The claim's SQL statements, shared by the statement-by-statement path (:mod:`.claiming`) and the
PL/pgSQL claim function built from the same text (:mod:`.claim_function`)."""

from __future__ import annotations

from gauntlet.accounts.models import ContractorProfile
from gauntlet.common.sql import columns, literal
from gauntlet.workqueue.models import Assignment, AssignmentStatus, ItemState, WorkItem
from gauntlet.workqueue.selectors import HELD_STATUSES

# pg_advisory_xact_lock(namespace, contractor id) serialises one contractor's claims.
CLAIM_LOCK_NAMESPACE = 0x6761_7401
ITEMS_TABLE = WorkItem._meta.db_table
PROFILES_TABLE = ContractorProfile._meta.db_table
ASSIGNMENTS_TABLE = Assignment._meta.db_table


def candidate_sql(*, lock: str, queue: str = "%s", gold: str = "%s", contractor: str = "%s") -> str:
    """The best open item with a free slot for the contractor, with the given locking
    clause; ``queue``, ``gold`` and ``contractor`` are what the statement names them by
    (``%s`` placeholders by default, the claim function's variables there). The
    constants are spelled out, so that a prepared plan can use the partial indexes that
    name them."""
    return f"""
        SELECT i."id" FROM {ITEMS_TABLE} i
        WHERE i."queue_id" = {queue} AND i."is_gold" = {gold} AND i."state" = {literal(ItemState.OPEN)}
          AND i."judgments_received" < (i."judgments_wanted" - i."active_leases")
          AND (i."author_id" IS NULL OR i."author_id" <> {contractor})
          AND NOT EXISTS (
              SELECT 1 FROM {ASSIGNMENTS_TABLE} a
              WHERE a."item_id" = i."id" AND a."contractor_id" = {contractor}
                AND a."status" IN ({literal(*HELD_STATUSES)})
          )
        ORDER BY i."priority" DESC, i."judgments_received" DESC, i."id"
        LIMIT 1{lock}
    """  # noqa: S608 - identifiers are the models' own table and column names


def lease_sql(
    *, leading: str = "", queue: str = "%s", gold: str = "%s", contractor: str = "%s", times: str = "%s, %s"
) -> str:
    """Pick (skipping locked rows), take a slot and insert the assignment, in ONE
    statement: ``leading`` columns, then the assignment id, then the item's columns.
    ``times`` names the claim time and the lease's expiry."""
    return f"""
        WITH picked AS ({candidate_sql(lock=" FOR UPDATE SKIP LOCKED", queue=queue, gold=gold, contractor=contractor)}),
        taken AS (
            UPDATE {ITEMS_TABLE} SET "active_leases" = "active_leases" + 1 FROM picked
            WHERE {ITEMS_TABLE}."id" = picked."id" RETURNING {columns(WorkItem, ITEMS_TABLE)}
        ),
        made AS (
            INSERT INTO {ASSIGNMENTS_TABLE} ("item_id", "queue_id", "contractor_id", "status", "claimed_at",
                "lease_expires_at", "active_seconds", "review_note")
            SELECT taken."id", {queue}, {contractor}, {literal(AssignmentStatus.LEASED)}, {times}, 0, ''
            FROM taken RETURNING "id"
        )
        SELECT {leading}made."id", taken.* FROM taken, made
    """  # noqa: S608 - identifiers are the models' own table and column names
