"""The claim's SQL statements, shared by the statement-by-statement path (:mod:`.claiming`) and the
PL/pgSQL claim function built from the same text (:mod:`.claim_function`)."""

from __future__ import annotations

from gauntlet.accounts.models import ContractorProfile
from gauntlet.common.sql import columns, literal
from gauntlet.workqueue.models import Assignment, AssignmentStatus, ItemState, PayMode, Queue, WorkItem
from gauntlet.workqueue.selectors import HELD_STATUSES

# pg_advisory_xact_lock(namespace, contractor id) serialises one contractor's claims.
CLAIM_LOCK_NAMESPACE = 0x6761_7401
ITEMS_TABLE = WorkItem._meta.db_table
PROFILES_TABLE = ContractorProfile._meta.db_table
ASSIGNMENTS_TABLE = Assignment._meta.db_table
QUEUES_TABLE = Queue._meta.db_table

# The assignment's columns that hold the pay rule it is claimed under (see payments/rates.py).
PAY_SNAPSHOT_COLUMNS = '"pay_mode", "pay_amount", "pay_currency", "pay_max_minutes"'


def pay_snapshot_sql(*, queue: str = "%s", contractor: str = "%s") -> tuple[str, str]:
    """The pay rule copied into a new assignment by the claim's own INSERT (no statement of
    its own): ``(values, joins)``, to be written ``INSERT … SELECT …, {values} FROM … {joins}``.
    ``joins`` brings in the queue (``pq``) and the contractor's profile (``pp``); an hourly
    queue without a rate pays the contractor's own rate, in their currency."""
    hourly = literal(PayMode.HOURLY)
    own_rate = f'pq."pay_mode" = {hourly} AND pq."hourly_rate" IS NULL AND pp."user_id" IS NOT NULL'
    values = f"""pq."pay_mode",
            CASE WHEN pq."pay_mode" = {hourly} THEN COALESCE(pq."hourly_rate", pp."hourly_rate", 0)
                 ELSE pq."pay_per_task" END,
            CASE WHEN {own_rate} THEN pp."currency" ELSE pq."currency" END,
            pq."max_minutes_per_task" """
    joins = (
        f'JOIN {QUEUES_TABLE} pq ON pq."id" = {queue} '
        f'LEFT JOIN {PROFILES_TABLE} pp ON pp."user_id" = {contractor}'
    )
    return values, joins


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
    ``times`` names the claim time and the lease's expiry. The assignment gets the queue's
    pay rule as it stands (:func:`pay_snapshot_sql`) in the same INSERT."""
    pay_values, pay_joins = pay_snapshot_sql(queue=queue, contractor=contractor)
    return f"""
        WITH picked AS ({candidate_sql(lock=" FOR UPDATE SKIP LOCKED", queue=queue, gold=gold, contractor=contractor)}),
        taken AS (
            UPDATE {ITEMS_TABLE} SET "active_leases" = "active_leases" + 1 FROM picked
            WHERE {ITEMS_TABLE}."id" = picked."id" RETURNING {columns(WorkItem, ITEMS_TABLE)}
        ),
        made AS (
            INSERT INTO {ASSIGNMENTS_TABLE} ("item_id", "queue_id", "contractor_id", "status", "claimed_at",
                "lease_expires_at", "active_seconds", "review_note", {PAY_SNAPSHOT_COLUMNS})
            SELECT taken."id", {queue}, {contractor}, {literal(AssignmentStatus.LEASED)}, {times}, 0, '',
                {pay_values}
            FROM taken {pay_joins} RETURNING "id"
        )
        SELECT {leading}made."id", taken.* FROM taken, made
    """  # noqa: S608 - identifiers are the models' own table and column names
