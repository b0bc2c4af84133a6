"""Writing audit records. Call :func:`audit_record` inside the service that makes the change, so the
record commits or rolls back with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from gauntlet.audit.models import AuditRecord


@transaction.atomic
def audit_record(
    *,
    action: str,
    subject: models.Model,
    actor: AbstractBaseUser | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str = "",
) -> AuditRecord | None:
    """Record that ``actor`` (None: the system) changed ``subject`` from ``before`` to ``after``.

    Joins the caller's transaction. Only the fields that really changed are kept, and nothing is
    written when none did (setting the same value again is not a change): returns None then.
    Values may be anything Django's JSON encoder takes (Decimal, datetime, …).
    """
    before, after = dict(before or {}), dict(after or {})
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if not changed:
        return None
    return AuditRecord.objects.create(
        action=str(action),
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=subject.pk,
        subject_repr=str(subject)[:200],
        before={k: before.get(k) for k in changed},
        after={k: after.get(k) for k in changed},
        note=note,
    )
