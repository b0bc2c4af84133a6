"""Reading audit records."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from gauntlet.audit.models import AuditRecord


def audit_records_for(*, subject: models.Model) -> QuerySet[AuditRecord]:
    """Every record about ``subject``, newest first."""
    return AuditRecord.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=subject.pk,
    ).select_related("actor")
