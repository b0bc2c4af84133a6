"""Admin for queues, items and assignments (staff only: gold answers are visible here)."""

from __future__ import annotations

from django.contrib import admin

from gauntlet.workqueue.models import ActivityClock, Assignment, Queue, WorkItem


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "kind", "state", "overlap", "gold_rate", "priority", "pay_mode")
    list_filter = ("kind", "state", "pay_mode")
    search_fields = ("name",)


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    list_display = ("id", "queue", "state", "is_gold", "priority", "judgments_received", "judgments_wanted")
    list_filter = ("state", "is_gold", "queue")
    search_fields = ("key",)
    raw_id_fields = ("queue", "author")
    readonly_fields = ("judgments_received", "active_leases")  # the engine's counters


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "queue",
        "item",
        "contractor",
        "status",
        "claimed_at",
        "submitted_at",
        "active_seconds",
    )
    list_filter = ("status", "queue")
    raw_id_fields = ("item", "queue", "contractor", "reviewed_by")
    readonly_fields = (
        "claimed_at",
        "lease_expires_at",
        "submitted_at",
        "active_seconds",
        "result",
        "gold_correct",
    )


@admin.register(ActivityClock)
class ActivityClockAdmin(admin.ModelAdmin):
    """Read-only: how far each contractor's active time is counted (one clock per person)."""

    list_display = ("contractor", "counted_until")
    raw_id_fields = ("contractor",)
    readonly_fields = ("contractor", "counted_until")
