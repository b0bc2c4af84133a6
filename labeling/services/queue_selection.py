"""Turning a selection of examples into a queue's work items, in bulk.

The per-row path (:func:`gauntlet.workqueue.services.items_add`) validates each
payload with the kind, which asks the database about every example on its own
(two queries a row: 40,000 for a 20,000-example batch). Here the selection is
already a query over examples, so the items are written by one
``INSERT … SELECT`` that leaves out what the queue already holds: no row passes
through Python (20,000 items in well under a second on PostgreSQL).

An example is never put twice in one queue: repeats within the selection count
once, and examples the queue already has (however they got there) are skipped
and counted. The queue row is locked for the duration, so two selections added
at the same time cannot both add the same example.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import IntegerField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import ItemState, Queue, QueueState, WorkItem
from gauntlet.workqueue.services import queue_create, queue_set_state
from labeling.models import Example

# Kinds whose item is one example, payload ``{"example_id": N}``. Verification items
# are made by attack submissions, comparisons by pairs, so neither comes from a selection.


def example_queue_kinds() -> list[str]:
    """The kinds whose items are examples (``takes_examples``): what a selection can fill."""
    return registry.kinds_with("takes_examples")


@dataclass(frozen=True)
class QueueSelectionReport:
    queue_id: int
    selected: int  # distinct examples in the selection
    repeated: int  # selection entries that named an example already selected
    already_in_queue: int  # selected examples the queue already had (not added again)
    added: int  # new work items
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@transaction.atomic
def queue_items_add_examples(
    *,
    queue: Queue,
    examples: QuerySet[Any],
    priority: int = 0,
    extra_ids: Iterable[int] = (),
) -> QueueSelectionReport:
    """Add one work item per selected example that the queue does not have yet.

    ``examples`` is a queryset of :class:`labeling.models.Example` (any filters or
    annotations); ``extra_ids`` adds an explicit list of ids, which may repeat ids or
    overlap ``examples`` (each example still counts once); an unknown id is a 400.
    Items want the queue's ``overlap`` judgments and carry the example's author, so
    the engine never offers someone their own text.

    Side effects: locks the queue row ``FOR NO KEY UPDATE`` (a second add waits; claims and submits
    in the queue go on, their key-share lock is not blocked by it); inserts work items. Idempotent: adding the same
    selection again adds nothing (every example is counted in ``already_in_queue``).
    Raises :class:`~gauntlet.errors.Conflict` for a closed queue and :class:`~gauntlet.errors.Invalid` (400) for
    a queue whose kind does not take examples.
    """
    started = time.monotonic()
    locked = Queue.objects.select_for_update(no_key=True).get(pk=queue.pk)
    if locked.state == QueueState.CLOSED:
        raise Conflict("queue_closed", "This queue is closed; it takes no new items.")
    if locked.kind not in example_queue_kinds():
        raise Invalid.in_fields(
            {
                "queue": [
                    f"A {locked.kind} queue does not take examples; choose a queue of kind "
                    f"{' or '.join(example_queue_kinds())}."
                ]
            }
        )
    extra = list(extra_ids)
    distinct_extra = set(extra)
    if distinct_extra:
        missing = sorted(
            distinct_extra - set(Example.objects.filter(pk__in=distinct_extra).values_list("id", flat=True))
        )
        if missing:
            shown = ", ".join(str(n) for n in missing[:20]) + (" …" if len(missing) > 20 else "")
            raise Invalid.in_fields({"example_ids": [f"No example with id {shown}."]})
    in_selection = Q(pk__in=examples.values("pk"))
    n_filtered = examples.count()
    overlap = examples.filter(pk__in=distinct_extra).count() if distinct_extra else 0
    chosen = Example.objects.filter(
        in_selection | Q(pk__in=distinct_extra) if distinct_extra else in_selection
    )
    # Whatever path added them (this one, POST /items/, gold items), the queue's examples
    # are read from its items' payloads, so an example already there is never added again.
    present = (
        WorkItem.objects.filter(queue=locked)
        .annotate(example_id=Cast(KeyTextTransform("example_id", "payload"), IntegerField()))
        .values("example_id")
    )
    added = _insert_items(
        queue=locked, examples=chosen.exclude(pk__in=present).order_by("id"), priority=priority
    )
    selected = n_filtered + len(distinct_extra) - overlap
    return QueueSelectionReport(
        queue_id=locked.pk,
        selected=selected,
        repeated=len(extra) - len(distinct_extra) + overlap,
        already_in_queue=selected - added,
        added=added,
        seconds=round(time.monotonic() - started, 3),
    )


def _insert_items(*, queue: Queue, examples: QuerySet[Example], priority: int) -> int:
    """``INSERT … SELECT`` one open item per example: the rows never pass through Python
    (``bulk_create`` spends ~1 ms of CPU per row compiling values; this is one statement).
    Returns the number of items inserted."""
    try:
        select_sql, select_params = examples.values_list("id", "author_id").query.sql_with_params()
    except EmptyResultSet:  # e.g. ``Example.objects.none()``: nothing to insert
        return 0
    build_payload = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(WorkItem._meta.db_table)
    sql = (
        f"INSERT INTO {table} (queue_id, payload, key, author_id, judgments_wanted, "  # noqa: S608
        "judgments_received, active_leases, escalations, is_gold, priority, state, created_at) "
        f"SELECT %s, {build_payload}('example_id', chosen.id), '', chosen.author_id, %s, 0, 0, 0, %s, %s, %s, %s "
        f"FROM ({select_sql}) chosen ORDER BY chosen.id"
    )
    params = (queue.pk, queue.overlap, False, priority, ItemState.OPEN.value, now)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *select_params))
        return max(cursor.rowcount, 0)


@transaction.atomic
def queue_create_from_examples(
    *,
    created_by: User | None,
    name: str,
    kind: str,
    examples: QuerySet[Any],
    open_queue: bool = False,
    **fields: Any,
) -> tuple[Queue, QueueSelectionReport]:
    """Create a queue and fill it from a selection in one transaction (the manager's
    "queue from selection" in one step). Nothing is written when the queue's fields are
    invalid (Django ``ValidationError``, field by field) or the selection is empty (400).
    With ``open_queue`` the queue is opened once its items are in."""
    if kind not in example_queue_kinds():
        raise Invalid.in_fields(
            {"kind": [f"A queue from a selection is of kind {' or '.join(example_queue_kinds())}."]}
        )
    queue = queue_create(created_by=created_by, name=name, kind=kind, **fields)
    report = queue_items_add_examples(queue=queue, examples=examples)
    if report.added == 0:
        raise Invalid.in_fields({"selection": ["The selection matches no example; widen the filters."]})
    if open_queue and queue.state != QueueState.OPEN:
        queue = queue_set_state(queue=queue, state=QueueState.OPEN, actor=created_by)
    return queue, report
