"""Admin for queues, items and assignments (staff only: gold answers are visible here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import ActivityClock, Assignment, Queue, WorkItem
from gauntlet.workqueue.services.queue_audit import queue_change_record


def _queue_fields(queue: Queue) -> dict[str, Any]:
    skip = {"id", "created_at", "updated_at"}
    return {f.attname: getattr(queue, f.attname) for f in Queue._meta.concrete_fields if f.name not in skip}


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "kind", "state", "overlap", "gold_rate", "priority", "pay_mode")
    list_filter = ("kind", "state", "pay_mode")
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: Queue, form: Any, change: bool) -> None:
        # A state or pay change made here is audited like one made through the API (the admin's
        # save is one transaction, so the record commits with the change).
        stored = Queue.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if stored is not None:
            obj.refresh_from_db()  # as stored (0.25 -> 0.2500), for the record
            actor = request.user if isinstance(request.user, User) else None
            queue_change_record(
                queue=obj, actor=actor, before=_queue_fields(stored), after=_queue_fields(obj)
            )


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
