"""Managers' writes on queues: create, change state, add items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models.fields.json import KT

from gauntlet.accounts.models import Qualification, User
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import Queue, QueueState, WorkItem
from gauntlet.workqueue.services.queue_audit import queue_change_record

# Fields a manager sets on a queue (besides name and kind).
QUEUE_FIELDS = frozenset(
    {
        "description",
        "state",
        "overlap",
        "gold_rate",
        "lease_seconds",
        "max_open_assignments",
        "priority",
        "pay_mode",
        "pay_per_task",
        "hourly_rate",
        "max_minutes_per_task",
        "bonus_amount",
        "currency",
        "auto_approve_seconds",
        "eligible_qualifications",
        "kind_settings",
    }
)

_TRANSITIONS: dict[str, set[str]] = {
    QueueState.DRAFT: {QueueState.OPEN, QueueState.CLOSED},
    QueueState.OPEN: {QueueState.PAUSED, QueueState.CLOSED},
    QueueState.PAUSED: {QueueState.OPEN, QueueState.CLOSED},
    QueueState.CLOSED: set(),
}
_ITEM_FIELDS = frozenset({"payload", "key", "priority", "gold_answer", "judgments_wanted"})
_SMALLINT_MAX = 32767


def gold_judgments_wanted() -> int:
    """Gold items are judged by every contractor once, not by ``overlap`` of them."""
    return int(settings.WORKQUEUE_GOLD_JUDGMENTS_WANTED)


@transaction.atomic
def queue_create(*, created_by: User | None, name: str, kind: str, **fields: Any) -> Queue:
    """Create a queue (state draft unless given). Raises Django ``ValidationError``
    (→ 400 with field errors) for unknown fields or invalid values."""
    errors: dict[str, list[str]] = {
        field: ["Not a queue field."] for field in sorted(set(fields) - QUEUE_FIELDS)
    }
    fields = {name: value for name, value in fields.items() if name in QUEUE_FIELDS}
    known_kinds = registry.registered_kinds()
    if kind not in known_kinds:
        errors["kind"] = [f"Unknown kind {kind!r}; choose from {', '.join(known_kinds)}."]
    qualifications = fields.get("eligible_qualifications")
    if qualifications is not None:
        allowed = set(Qualification.values) - {Qualification.BLOCKED}
        if not isinstance(qualifications, list) or not set(qualifications) <= allowed or not qualifications:
            errors["eligible_qualifications"] = [f"A non-empty list drawn from {', '.join(sorted(allowed))}."]
    queue = Queue(name=name, kind=kind, created_by=created_by, **fields)
    try:
        queue.full_clean(exclude=["kind", "created_by", "eligible_qualifications", "kind_settings"])
    except DjangoValidationError as exc:
        errors.update(exc.message_dict)
    if kind in known_kinds:
        try:
            queue.kind_settings = queue_kind_settings_clean(
                queue=queue, kind_settings=fields.get("kind_settings")
            )
        except Invalid as exc:
            errors.update(_flat_errors(exc.fields))
    if errors:
        raise DjangoValidationError(errors)
    queue.save()
    return queue


def _flat_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested field errors as ``{"kind_settings.condition": [...]}`` (a Django
    ``ValidationError`` takes one level of fields only)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "kind_settings": [str(message) for message in messages]}


def queue_kind_settings_clean(*, queue: Queue, kind_settings: Any) -> dict[str, Any]:
    """The queue's ``kind_settings`` as its kind checks and normalises them (raises
    ``Invalid`` with ``{"kind_settings": {setting: [...]}}``); for create and edit alike."""
    return registry.get_kind(queue.kind).clean_settings(queue=queue, kind_settings=kind_settings)


@transaction.atomic
def queue_set_state(*, queue: Queue, state: str, actor: User | None = None) -> Queue:
    """Open, pause or close a queue, with a ``queue.state`` audit record naming ``actor`` (None:
    the system). Setting the current state again is a no-op (and records nothing); a closed
    queue stays closed (409). Open leases are left to finish or expire."""
    locked = Queue.objects.select_for_update().get(pk=queue.pk)
    if locked.state == state:
        return locked
    if state not in _TRANSITIONS.get(locked.state, set()):
        raise Conflict("invalid_transition", f"A {locked.state} queue cannot become {state}.")
    before = {"state": locked.state}
    locked.state = state
    locked.save(update_fields=["state", "updated_at"])
    queue_change_record(queue=locked, actor=actor, before=before, after={"state": state})
    return locked


def _int_field(row: dict[str, Any], name: str, low: int, high: int, errors: dict[str, Any]) -> int | None:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = [f"An integer from {low} to {high}."]
        return None
    return value


@dataclass(frozen=True)
class ItemsAdded:
    """What adding items did: the items created, and the rows (indices into the request) skipped
    because they name an example the queue already holds or an earlier row named."""

    items: list[WorkItem]
    skipped_rows: list[int]


def items_add(*, queue: Queue, items: list[dict[str, Any]]) -> list[WorkItem]:
    """:func:`items_add_report`'s created items (for callers that need no count of skipped rows)."""
    return items_add_report(queue=queue, items=items).items


@transaction.atomic
def items_add_report(*, queue: Queue, items: list[dict[str, Any]]) -> ItemsAdded:
    """Add items to a queue: all of them, or none with each bad row's errors.

    Each row: ``payload`` (validated by the kind's ``validate_item_payload``),
    optional ``key`` (unique per queue), ``priority``, ``judgments_wanted``
    (default: the queue's overlap; gold items default to
    ``WORKQUEUE_GOLD_JUDGMENTS_WANTED``) and ``gold_answer`` (makes it a gold item).
    Errors come as ``{"items": {"<row index>": {field: [...]}}}`` (→ 400).

    One example is in a queue once: a valid row naming an example (``example_id``) the queue
    already holds, gold or not, or that an earlier row named, is skipped and reported in
    ``skipped_rows`` (the database refuses a second copy: ``workitem_example_once_per_queue``).
    Side effect: locks the queue row, so two adds at once cannot both add one example. The lock is
    ``FOR NO KEY UPDATE``: claims in the queue go on meanwhile (their assignment's foreign key takes
    only a key-share lock on the row, which this one does not block).
    """
    Queue.objects.select_for_update(no_key=True).filter(pk=queue.pk).first()
    if queue.state == QueueState.CLOSED:
        raise Conflict("queue_closed", "This queue is closed; it takes no new items.")
    if not isinstance(items, list) or not items:
        raise Invalid.in_fields({"items": ["A non-empty list of items."]})
    kind = registry.get_kind(queue.kind)
    keys = [row.get("key") for row in items if isinstance(row, dict) and isinstance(row.get("key"), str)]
    taken = set(queue.items.filter(key__in=[k for k in keys if k]).values_list("key", flat=True))
    seen: set[str] = set()
    errors: dict[str, Any] = {}
    new_items: list[tuple[int, WorkItem]] = []
    for index, row in enumerate(items):
        if not isinstance(row, dict):
            errors[str(index)] = {"non_field_errors": ["Each item must be an object."]}
            continue
        row_errors: dict[str, Any] = {
            name: ["Unknown item field."] for name in sorted(set(row) - _ITEM_FIELDS)
        }
        raw_payload = row.get("payload")
        payload: dict[str, Any] = {}
        if not isinstance(raw_payload, dict):
            row_errors["payload"] = ["An object is required."]
        else:
            try:
                payload = kind.validate_item_payload(queue=queue, payload=raw_payload)
            except Invalid as exc:
                row_errors["payload"] = exc.fields
        key = row.get("key") or ""
        if not isinstance(key, str) or len(key) > 200:
            row_errors["key"] = ["A string of at most 200 characters."]
        elif key and (key in taken or key in seen):
            row_errors["key"] = [f"Key {key!r} is already used in this queue."]
        seen.add(key if isinstance(key, str) else "")
        priority = _int_field(row, "priority", -(2**31), 2**31 - 1, row_errors) or 0
        is_gold = row.get("gold_answer") is not None
        gold_answer = None
        if is_gold:
            try:
                gold_answer = kind.validate_gold_answer(queue=queue, answer=row["gold_answer"])
            except Invalid as exc:
                row_errors["gold_answer"] = exc.fields
        default_wanted = gold_judgments_wanted() if is_gold else queue.overlap
        wanted = _int_field(row, "judgments_wanted", 1, _SMALLINT_MAX, row_errors) or default_wanted
        if row_errors:
            errors[str(index)] = row_errors
            continue
        new_items.append(
            (
                index,
                WorkItem(
                    queue=queue,
                    payload=payload,
                    key=key,
                    author_id=kind.item_author_id(queue=queue, payload=payload),
                    judgments_wanted=wanted,
                    is_gold=is_gold,
                    gold_answer=gold_answer,
                    priority=priority,
                ),
            )
        )
    if errors:
        raise Invalid.in_fields({"items": errors})
    return _examples_once(queue=queue, rows=new_items)


def _examples_once(*, queue: Queue, rows: list[tuple[int, WorkItem]]) -> ItemsAdded:
    """Insert the rows, skipping each that names an example the queue (or an earlier row) has."""
    named = {str(item.payload["example_id"]) for _, item in rows if "example_id" in item.payload}
    held = set(
        queue.items.filter(payload__has_key="example_id")
        .exclude(payload__has_key="duplicate_of")
        .annotate(example=KT("payload__example_id"))
        .filter(example__in=named)
        .values_list("example", flat=True)
    )
    keep: list[WorkItem] = []
    skipped: list[int] = []
    for index, item in rows:
        example = item.payload.get("example_id")
        if example is not None and str(example) in held:
            skipped.append(index)
            continue
        if example is not None:
            held.add(str(example))
        keep.append(item)
    return ItemsAdded(items=WorkItem.objects.bulk_create(keep, batch_size=1000), skipped_rows=skipped)
