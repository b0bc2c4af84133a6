"""Audit records of a queue's state and policy (``queue_change_record``).

Every service that changes a queue calls it inside its own transaction, with the queue's
fields before and after: the state (open, pause, close) is recorded as ``queue.state``, the
pay as ``queue.pay`` and anything else as ``queue.settings``, one record per group that
changed, so "who changed what this queue pays, and when" is one filter in the admin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gauntlet.accounts.models import User
from gauntlet.audit.actions import AuditAction
from gauntlet.audit.models import AuditRecord
from gauntlet.audit.services import audit_record
from gauntlet.workqueue.models import Queue

# What a pay change is (audited as ``queue.pay``): every field that decides what a task earns.
QUEUE_PAY_FIELDS = frozenset(
    {"pay_mode", "pay_per_task", "hourly_rate", "max_minutes_per_task", "bonus_amount", "currency"}
)


def queue_change_record(
    *,
    queue: Queue,
    actor: User | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    note: str = "",
) -> list[AuditRecord]:
    """Record the change of ``queue`` from ``before`` to ``after`` (field name -> value; only the
    fields that differ are kept), made by ``actor`` (None: the system). Returns the records
    written: none when nothing changed. Call it inside the transaction that made the change."""
    groups: dict[AuditAction, list[str]] = {}
    for name in sorted(set(before) | set(after)):
        if name == "state":
            action = AuditAction.QUEUE_STATE
        elif name in QUEUE_PAY_FIELDS:
            action = AuditAction.QUEUE_PAY
        else:
            action = AuditAction.QUEUE_SETTINGS
        groups.setdefault(action, []).append(name)
    records = []
    for action, names in groups.items():
        record = audit_record(
            action=action,
            subject=queue,
            actor=actor,
            before={name: before.get(name) for name in names},
            after={name: after.get(name) for name in names},
            note=note,
        )
        if record is not None:
            records.append(record)
    return records
