"""Read-only admin: money is moved through services (with who and why), never edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gauntlet.common.admin import ReadOnlyAdmin

from .models import LedgerEntry, PayoutBatch, PayoutLine


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "contractor",
        "kind",
        "amount",
        "currency",
        "queue",
        "assignment",
        "created_by",
    )
    list_filter = ("kind", "currency")
    search_fields = ("contractor__email", "reference", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("contractor", "queue", "assignment", "created_by")


class PayoutLineInline(admin.TabularInline):
    model = PayoutLine
    fields = ("entry",)
    readonly_fields = ("entry",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "period_end",
        "status",
        "created_by",
        "created_at",
        "paid_by",
        "paid_at",
        "paid_reference",
    )
    list_filter = ("status",)
    inlines = (PayoutLineInline,)


@admin.register(PayoutLine)
class PayoutLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "batch", "entry")
    list_select_related = ("batch", "entry")
