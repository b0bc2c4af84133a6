"""One row per change of standing or policy, written in the transaction that made the change."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditRecord(models.Model):
    """Append-only: nothing updates or deletes a record (the admin shows them read-only)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True, help_text="e.g. queue.state (see AuditAction).")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_records_made",
        help_text="Who made the change; empty for the system (a task, a command without a user).",
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_repr = models.CharField(max_length=200, help_text="The subject as it read at the time.")
    before = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    after = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["subject_type", "subject_id", "-at"], name="audit_subject_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_repr}"
