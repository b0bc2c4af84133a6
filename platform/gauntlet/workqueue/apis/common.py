"""Output shapes shared by the work-queue views."""

from __future__ import annotations

from typing import Any, cast

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue


class AssignmentSerializer(serializers.Serializer):
    """What a contractor may see of their own assignment: never whether it was gold.

    Declared field by field rather than as a ModelSerializer: this renders every
    claim, and a ModelSerializer rebuilds its fields from the model on each use
    (measured: ~0.7 ms of a claim request's CPU)."""

    id = serializers.IntegerField(read_only=True)
    queue = serializers.IntegerField(source="queue_id", read_only=True)
    item = serializers.IntegerField(source="item_id", read_only=True)
    status = serializers.ChoiceField(choices=AssignmentStatus.choices, read_only=True)
    claimed_at = serializers.DateTimeField(read_only=True)
    lease_expires_at = serializers.DateTimeField(read_only=True)
    last_heartbeat_at = serializers.DateTimeField(read_only=True, allow_null=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    active_seconds = serializers.IntegerField(read_only=True)
    result = serializers.JSONField(read_only=True, allow_null=True)
    reviewed_at = serializers.DateTimeField(read_only=True, allow_null=True)


_DATETIME = serializers.DateTimeField(read_only=True)  # DRF's own rendering of a datetime
_STATUSES = {str(value): value for value, _ in AssignmentStatus.choices}


def assignment_data(assignment: Assignment) -> dict[str, Any]:
    """``AssignmentSerializer(assignment).data``, key for key and value for value, without a
    serializer: every claim and submit answers with it, and building the serializer's fields
    and walking them was a sixth of those requests' CPU. (The serializer stays the documented
    shape; tests hold the two equal.)"""
    a = assignment
    dt = _DATETIME.to_representation
    return {
        "id": None if a.pk is None else int(a.pk),
        "queue": None if a.queue_id is None else int(a.queue_id),
        "item": None if a.item_id is None else int(a.item_id),
        "status": None if a.status is None else _STATUSES.get(str(a.status), a.status),
        "claimed_at": None if a.claimed_at is None else dt(a.claimed_at),
        "lease_expires_at": None if a.lease_expires_at is None else dt(a.lease_expires_at),
        "last_heartbeat_at": None if a.last_heartbeat_at is None else dt(a.last_heartbeat_at),
        "submitted_at": None if a.submitted_at is None else dt(a.submitted_at),
        "active_seconds": None if a.active_seconds is None else int(a.active_seconds),
        "result": a.result,
        "reviewed_at": None if a.reviewed_at is None else dt(a.reviewed_at),
    }


class ReviewedAssignmentSerializer(serializers.ModelSerializer):
    """A manager's view of an assignment, with gold scoring and the review."""

    class Meta:
        model = Assignment
        fields = (
            "id",
            "queue",
            "item",
            "contractor",
            "status",
            "claimed_at",
            "submitted_at",
            "active_seconds",
            "result",
            "gold_correct",
            "reviewed_by",
            "reviewed_at",
            "review_note",
        )
        read_only_fields = fields


class QueueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Queue
        fields = (
            "id",
            "name",
            "description",
            "kind",
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
            "created_at",
        )
        read_only_fields = fields


def request_user(request: Request) -> User:
    """The authenticated user (the views' permission classes have already required one)."""
    return cast(User, request.user)


def queue_or_404(queue_id: int) -> Queue:
    """The queue, or a 404."""
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise NotFound("No such queue.")
    return queue


def json_object(value: Any, name: str = "non_field_errors") -> dict[str, Any]:
    """The request body as a dict, or a 400 saying it must be a JSON object."""
    if not isinstance(value, dict):
        raise serializers.ValidationError({name: ["Send a JSON object."]})
    return dict(value)
