"""Consensus labels for injury-label items, and escalation of the ones raters disagree on.

The statistics are :mod:`gauntlet.agreement`'s; this module gathers labels from
the database, writes :class:`~labeling.models.Consensus` rows and decides
escalation. Two paths: inside a contractor's submit, plain counting over the
item's own labels (:func:`item_consensus_update`, constant cost); over a whole
queue, the queue's method through crowd-kit (:func:`queue_consensus_recompute`:
Dawid–Skene, or majority vote), run by a manager or in the background,
single-flight, never inside a contractor's request.

Unsure policy (see :mod:`gauntlet.agreement.consensus`): an ``unsure`` label
counts as a judgment received (toward N and in the agreement denominator) but
is never a vote. An item with a tied vote or only unsure labels is *undecided*:
its consensus label is ``unsure``, its agreement 0, so it is escalated until
the cap; at the cap it stays undecided for a manager, and exports leave it out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from gauntlet.agreement.consensus import (
    DAWID_SKENE,
    ItemConsensus,
    dawid_skene_fit,
    majority_vote,
    needs_escalation,
)
from gauntlet.agreement.counting import majority_count
from gauntlet.common.sql import fetch, insert, insert_then_select, upsert
from gauntlet.errors import Invalid
from gauntlet.workqueue.models import ItemState, Queue, WorkItem
from labeling.models import Consensus, InjuryLabel, Label
from labeling.selectors import gold_labels, label_frame, labels_counted

logger = logging.getLogger(__name__)

METHODS = ("majority", "dawid_skene")
DEFAULT_ESCALATION_STEP = 2
ADJUDICATED = "adjudicated"  # Consensus.method of a manager's decision on an undecided item


@dataclass(frozen=True)
class ConsensusSettings:
    method: str
    agreement_threshold: float
    escalation_step: int
    max_judgments: int


def consensus_settings(queue: Queue, *, strict: bool = False) -> ConsensusSettings:
    """The queue's consensus settings from ``kind_settings``, with defaults.

    Nonsense values raise :class:`~gauntlet.errors.Invalid` (a 400) when ``strict``; otherwise
    (inside a contractor's submission, which must not fail for a manager's typo)
    they are logged and replaced by the defaults.
    """
    raw: dict[str, Any] = queue.kind_settings if isinstance(queue.kind_settings, dict) else {}
    try:
        method = raw.get("consensus_method", "majority")
        if method not in METHODS:
            raise ValueError(f"consensus_method must be one of {', '.join(METHODS)}")
        threshold = float(raw.get("agreement_threshold", 0.0))
        step = int(raw.get("escalation_step", DEFAULT_ESCALATION_STEP))
        cap = int(raw.get("max_judgments", queue.overlap))
        if not 0.0 <= threshold <= 1.0 or step < 1 or cap < 1:
            raise ValueError("agreement_threshold is 0..1; escalation_step and max_judgments are at least 1")
    except (TypeError, ValueError) as exc:
        if strict:
            raise Invalid.in_fields({"kind_settings": [f"Bad consensus settings: {exc}."]}) from exc
        logger.warning("queue %s has bad consensus settings (%s); using the defaults", queue.pk, exc)
        return ConsensusSettings("majority", 0.0, DEFAULT_ESCALATION_STEP, queue.overlap)
    return ConsensusSettings(method, threshold, step, max(cap, queue.overlap))


_COUNTED_VALUES_SQL = f'SELECT "value" FROM {Label._meta.db_table} WHERE "item_id" = %s AND NOT "rejected"'  # noqa: S608


# Where label_insert leaves the item's counted labels, on the (locked) item instance of the submit.
_COUNTED_NOW = "_labels_counted_now"


def label_insert(label: Label, *, item: WorkItem) -> None:
    """Insert a submitted judgment's label, ``item`` being its work item, locked by the caller.

    On PostgreSQL the same statement (one round trip) also reads the item's other counted labels
    and leaves them, with the new one, on ``item`` for :func:`item_consensus_update` in case this
    judgment completes it: they are what its own read would find, since an item's labels change
    only with the item row locked (a submit's insert, a rejection's update) and the caller holds that
    lock until it commits. Elsewhere it is the ORM's insert, and the consensus reads the labels."""
    if connection.vendor != "postgresql":
        insert(label)
        return
    others = insert_then_select(label, _COUNTED_VALUES_SQL, [item.pk])
    counted = [value for (value,) in others]
    if not label.rejected:
        counted.append(label.value)
    setattr(item, _COUNTED_NOW, counted)


def _counted_values(item: WorkItem, *, in_submit: bool) -> list[str]:
    """The item's counted labels (:func:`labels_counted`'s): in the engine's submit of the item,
    those :func:`label_insert` just read with its label, else one indexed read of a handful of rows,
    whatever the queue's size (a prepared statement on PostgreSQL). Outside a submit what a label
    insert left on the instance is dropped unread: the instance may have outlived its lock."""
    counted: list[str] | None = item.__dict__.pop(_COUNTED_NOW, None)
    if counted is not None and in_submit:
        return counted
    if connection.vendor == "postgresql":
        return [value for (value,) in fetch(_COUNTED_VALUES_SQL, [item.pk])]
    return list(labels_counted().filter(item_id=item.pk).order_by().values_list("value", flat=True))


def _row(item_id: int, example_id: int, queue_id: int, result: ItemConsensus, *, final: bool) -> Consensus:
    return Consensus(
        example_id=example_id,
        queue_id=queue_id,
        item_id=item_id,
        label=result.label or InjuryLabel.UNSURE,
        decided=result.decided,
        final=final,
        method=result.method,
        confidence=result.confidence,
        agreement=result.agreement,
        n_labels=result.n_labels,
        computed_at=timezone.now(),
    )


def _upsert(rows: list[Consensus]) -> list[Consensus]:
    """Insert or update rows on (example, queue) in one statement per batch
    (``INSERT … ON CONFLICT DO UPDATE``): one round trip, not select + savepoint + write."""
    return Consensus.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["example", "queue"],
        update_fields=_UPDATED,
        batch_size=UPSERT_BATCH,
    )


_UPDATED = [
    "item",
    "label",
    "decided",
    "final",
    "method",
    "confidence",
    "agreement",
    "n_labels",
    "computed_at",
]
UPSERT_BATCH = 2000


@transaction.atomic(savepoint=False)
def item_consensus_update(*, item: WorkItem, ride_with_item: bool = False) -> Consensus | None:
    """Compute and store an item's consensus; escalate it when agreement is too low.

    Called by the work-queue engine (``on_item_complete``) with the item row
    locked, inside a contractor's submit, and after a rejection. Plain counting
    (:func:`~gauntlet.agreement.counting.majority_count`) over the item's own
    labels, so its cost does not depend on the queue's size; a ``dawid_skene``
    queue gets its model-based consensus from :func:`queue_consensus_recompute`,
    run in the background (``labeling.tasks.refit_queue_consensus``), which
    overwrites these rows. Escalation raises ``item.judgments_wanted`` by the
    queue's step (up to ``max_judgments``), reopens the item and counts it in
    ``item.escalations``; the engine saves the item. Idempotent for the same
    labels: the Consensus row is updated in place. Returns None when the item
    has no counted labels. Queries: the labels (none when :func:`label_insert` read them with
    the submit's label), one upsert (and the queue, unless ``item.queue`` is already loaded).
    With ``ride_with_item`` (only the engine's submit of this very item, its ``on_item_complete``,
    which saves the item next: :func:`~gauntlet.common.sql.writes_ride_with`) the labels read with
    the submit's label insert are counted, the upsert goes in the item's save, and the returned
    row's primary key is not read back.
    """
    queue = item.queue
    settings = consensus_settings(queue)
    result = majority_count(item.pk, _counted_values(item, in_submit=ride_with_item))
    if result is None:
        return None
    # An undecided item (a tie, or only unsure) always asks for more raters while below the cap,
    # whatever the agreement threshold (0 by default, which no agreement is below); at the cap it
    # waits for a manager's adjudication (labeling.services.adjudication).
    escalate = (not result.decided and result.n_labels < settings.max_judgments) or needs_escalation(
        result.agreement, settings.agreement_threshold, result.n_labels, settings.max_judgments
    )
    if escalate:
        item.judgments_wanted = min(
            settings.max_judgments, max(item.judgments_wanted, result.n_labels) + settings.escalation_step
        )
        item.state = ItemState.OPEN
        item.completed_at = None
        item.escalations += 1
    row = _row(item.pk, item.payload["example_id"], item.queue_id, result, final=not escalate)
    # One prepared statement (or a part of the item's save, with ride_with_item).
    upsert(row, unique=("example", "queue"), update=_UPDATED, ride_with=item if ride_with_item else None)
    return row


def queues_due_for_refit() -> list[int]:
    """Dawid–Skene queues with a completed item whose stored consensus is a per-item count
    (a label arrived, or one was rejected, since the last fit): the ones a refit would change."""
    stale = Consensus.objects.filter(queue=OuterRef("pk"), final=True).exclude(
        method__in=(DAWID_SKENE, ADJUDICATED)
    )
    return list(
        Queue.objects.filter(kind_settings__consensus_method="dawid_skene")
        .filter(Exists(stale))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _fit(queue: Queue, settings: ConsensusSettings) -> dict[Any, ItemConsensus]:
    rows = label_frame(queue=queue)
    if rows.empty:
        return {}
    if settings.method == "dawid_skene":
        # DS learns each rater's confusion from the whole queue, so it is always fitted on all of it.
        gold = gold_labels(WorkItem.objects.filter(queue=queue))
        return dawid_skene_fit(rows, gold=gold or None).consensus
    return majority_vote(rows)


def _refit_targets(queue: Queue) -> dict[int, int]:
    """item id -> example id of the queue's completed items, less those a manager adjudicated
    (a manager's decision is not refitted away)."""
    if connection.vendor != "postgresql":
        return dict(
            WorkItem.objects.filter(queue=queue, state=ItemState.COMPLETE)
            .exclude(consensus__method=ADJUDICATED)
            .values_list("id", "payload__example_id")
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT i.id, (i.payload ->> 'example_id')::bigint FROM {WorkItem._meta.db_table} i
            WHERE i.queue_id = %s AND i.state = %s
              AND NOT EXISTS (SELECT 1 FROM {Consensus._meta.db_table} c
                              WHERE c.item_id = i.id AND c.method = %s)
            """,  # noqa: S608 - model tables
            [queue.pk, ItemState.COMPLETE, ADJUDICATED],
        )
        return dict(cursor.fetchall())


_STAGE_TABLE = "gauntlet_consensus_refit"
_STAGED = ("n", "example_id", "item_id", "label", "decided", "method", "confidence", "agreement", "n_labels")


def _write_refit(queue: Queue, rows: list[tuple[int, int, ItemConsensus]]) -> None:
    """Upsert ``(item id, example id, result)`` rows as final, ``UPSERT_BATCH`` rows per transaction.

    On PostgreSQL the rows are staged once with ``COPY`` into a session temp table, then each
    batch is one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` (no model instances, no parameter
    lists); elsewhere ``bulk_create`` upserts. Either way a batch holds its Consensus rows only
    for the milliseconds of one statement, so a submit waits at most that long for its item's row.
    """
    if connection.vendor != "postgresql":
        models = [
            _row(item_id, example_id, queue.pk, result, final=True) for item_id, example_id, result in rows
        ]
        for start in range(0, len(models), UPSERT_BATCH):
            with transaction.atomic():
                _upsert(models[start : start + UPSERT_BATCH])
        return
    table = Consensus._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE_TABLE} (n integer PRIMARY KEY, example_id bigint, "
            "item_id bigint, label varchar(16), decided boolean, method varchar(32), "
            "confidence double precision, agreement double precision, n_labels smallint)"
        )
        cursor.execute(f"TRUNCATE {_STAGE_TABLE}")
        with cursor.cursor.copy(f"COPY {_STAGE_TABLE} ({', '.join(_STAGED)}) FROM STDIN") as copy:
            for n, (item_id, example_id, result) in enumerate(rows):
                copy.write_row(
                    (
                        n,
                        example_id,
                        item_id,
                        result.label or InjuryLabel.UNSURE,
                        result.decided,
                        result.method,
                        result.confidence,
                        result.agreement,
                        result.n_labels,
                    )
                )
        cursor.execute(f"ANALYZE {_STAGE_TABLE}")  # a temp table has no statistics: batches use the key
        computed_at = timezone.now()
        updated = ", ".join(f"{column} = EXCLUDED.{column}" for column in _UPDATED_COLUMNS)
        for start in range(0, len(rows), UPSERT_BATCH):
            with transaction.atomic():
                cursor.execute(
                    f"""
                    INSERT INTO {table} (example_id, queue_id, item_id, label, decided, final, method,
                                         confidence, agreement, n_labels, computed_at)
                    SELECT example_id, %s, item_id, label, decided, true, method, confidence, agreement,
                           n_labels, %s
                    FROM {_STAGE_TABLE} WHERE n >= %s AND n < %s ORDER BY n
                    ON CONFLICT (example_id, queue_id) DO UPDATE SET {updated}
                    """,  # noqa: S608 - constant names
                    [queue.pk, computed_at, start, start + UPSERT_BATCH],
                )
        cursor.execute(f"DROP TABLE {_STAGE_TABLE}")


# the upserted columns: a foreign key's is its ``_id`` column
_UPDATED_COLUMNS = [f"{name}_id" if name == "item" else name for name in _UPDATED]


def queue_consensus_recompute(*, queue: Queue) -> int:
    """Recompute the consensus of every completed item of an injury-label queue with the
    queue's method (Dawid–Skene fits the whole queue). Escalates nothing; returns the
    number of rows written. Idempotent. Raises ``Invalid`` (400) for bad settings.

    Reads everything first, then writes in batches of ``UPSERT_BATCH`` rows, each its own
    short transaction (:func:`_write_refit`): a refit of a million labels never holds the
    Consensus rows a contractor's submit is about to write for longer than one batch. A label
    that arrives during the fit is counted by the item's own update and by the next refit.
    """
    settings = consensus_settings(queue, strict=True)
    complete = _refit_targets(queue)
    if not complete:
        return 0
    results = _fit(queue, settings)
    rows = [
        (item_id, complete[item_id], result)
        for item_id, result in results.items()
        if item_id in complete  # items not complete keep their per-item row
    ]
    _write_refit(queue, rows)
    return len(rows)
