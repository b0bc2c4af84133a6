from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gauntlet.audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: records are written by the services that make the changes, never by hand."""

    list_display = ("at", "action", "subject_repr", "actor", "before", "after", "note")
    list_filter = ("action", "subject_type")
    search_fields = ("subject_repr", "actor__email", "note")
    date_hierarchy = "at"
    list_select_related = ("actor", "subject_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
