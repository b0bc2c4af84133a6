"""A manager's edit of a queue's settings (``queue_update``).

What an edit may not do, and why:

- the **state** changes only through open, pause and close (``queue_set_state``), which
  know the allowed transitions;
- the **kind** is fixed once the queue has items (their payloads and the judgments on
  them belong to the kind), and once the queue has ever been opened (claims cache a
  queue's kind per process, see ``claiming._queue_kinds``);
- a **closed** queue is final.

Pay is fixed per task when the task is claimed (the assignment's ``pay_*`` snapshot), so an
edit of the pay re-prices only work claimed afterwards; overlap applies to items added
afterwards (an item's ``judgments_wanted`` is fixed when it is added).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from gauntlet.accounts.models import Qualification, User
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import Queue, QueueState
from gauntlet.workqueue.services.queue_audit import queue_change_record
from gauntlet.workqueue.services.queues import QUEUE_FIELDS, _flat_errors, queue_kind_settings_clean

EDITABLE_FIELDS = tuple(sorted((QUEUE_FIELDS - {"state"}) | {"name", "kind"}))


def _qualification_errors(value: Any) -> list[str]:
    allowed = set(Qualification.values) - {Qualification.BLOCKED}
    if not isinstance(value, list) or not value or not set(value) <= allowed:
        return [f"A non-empty list drawn from {', '.join(sorted(allowed))}."]
    return []


def _kind_change_refusal(queue: Queue) -> str | None:
    """Why this queue's kind may not change now, or None."""
    items = queue.items.count()
    if items:
        return (
            f"The kind cannot change once a queue has items (this one has {items}); "
            "create a new queue of the other kind instead."
        )
    if queue.state != QueueState.DRAFT:
        return (
            f"Only a draft queue's kind can change (this one is {queue.state}); create a new queue instead."
        )
    return None


@transaction.atomic
def queue_update(*, queue: Queue, updated_by: User | None, changes: Mapping[str, Any]) -> Queue:
    """Change some of a queue's settings: ``changes`` maps field names to new values (the
    fields left out stay).

    Bad values → Django ``ValidationError`` with field errors (→ 400), kind settings as
    ``kind_settings.<setting>`` after the kind's ``clean_settings``; a state change, an
    unknown field → 400 naming it; a closed queue, or a kind change the queue no longer
    allows → 409. Locks the queue row while it edits. Pay changes leave a ``queue.pay``
    audit record and other changes a ``queue.settings`` one (``queue_change_record``), in
    the same transaction, with the fields' old and new values; an edit that changes
    nothing writes nothing.
    """
    fields = dict(changes)
    errors: dict[str, list[str]] = {
        name: ["Not a queue field."] for name in sorted(set(fields) - set(EDITABLE_FIELDS) - {"state"})
    }
    if "state" in fields:
        errors["state"] = ["Change the state with open, pause or close (POST /api/v1/queues/{id}/open/ …)."]
    if errors:
        raise DjangoValidationError(errors)
    locked = Queue.objects.select_for_update().get(pk=queue.pk)
    if locked.state == QueueState.CLOSED:
        raise Conflict("queue_closed", "This queue is closed; its settings are final.")
    before = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    kind = fields.get("kind", locked.kind)
    if kind != locked.kind:
        known = registry.registered_kinds()
        if kind not in known:
            raise DjangoValidationError({"kind": [f"Unknown kind {kind!r}; choose from {', '.join(known)}."]})
        refusal = _kind_change_refusal(locked)
        if refusal is not None:
            raise Conflict("kind_fixed", refusal, fields={"kind": [refusal]})
    if "eligible_qualifications" in fields:
        if problems := _qualification_errors(fields["eligible_qualifications"]):
            errors["eligible_qualifications"] = problems
    for name, value in fields.items():
        setattr(locked, name, value)
    try:
        locked.full_clean(exclude=["kind", "created_by", "eligible_qualifications", "kind_settings"])
    except DjangoValidationError as exc:
        errors.update(exc.message_dict)
    # The kind checks its settings against the queue as edited (a setting may depend on the
    # overlap), so they are checked again whenever the kind, the overlap or they change.
    if not errors and {"kind", "overlap", "kind_settings"} & set(fields):
        try:
            locked.kind_settings = queue_kind_settings_clean(queue=locked, kind_settings=locked.kind_settings)
        except Invalid as exc:
            errors.update(_flat_errors(exc.fields))
    if errors:
        raise DjangoValidationError(errors)
    after = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    changed = [name for name in EDITABLE_FIELDS if before[name] != after[name]]
    if not changed:
        return locked
    locked.save(update_fields=[*changed, "updated_at"])
    locked.refresh_from_db(fields=changed)  # as stored (0.25 → 0.2500), for the record and the caller
    after = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    queue_change_record(
        queue=locked,
        actor=updated_by,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    return locked
