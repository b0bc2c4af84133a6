"""Serializer pieces shared by the payments views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gauntlet.accounts.models import Role, User
from gauntlet.api import ApiError
from gauntlet.workqueue.models import Queue

from ..models import LedgerEntry


def money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=4, **kwargs)


class LedgerEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contractor_id = serializers.IntegerField()
    contractor_email = serializers.EmailField(source="contractor.email")
    kind = serializers.CharField()
    amount = money_field()
    currency = serializers.CharField()
    assignment_id = serializers.IntegerField(allow_null=True)
    queue_id = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField()
    reason = serializers.CharField()
    created_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    payout_batch_id = serializers.SerializerMethodField()

    def get_created_by(self, entry: LedgerEntry) -> str | None:
        return entry.created_by.email if entry.created_by_id else None  # type: ignore[union-attr]

    def get_payout_batch_id(self, entry: LedgerEntry) -> int | None:
        line = getattr(entry, "payout_line", None)
        return line.batch_id if line is not None else None


def contractor_or_400(pk: int) -> User:
    user = User.objects.filter(pk=pk, role=Role.CONTRACTOR).select_related("contractor_profile").first()
    if user is None:
        raise ApiError(
            "validation_error", "No such contractor.", fields={"contractor": ["No such contractor."]}
        )
    return user


def queue_or_400(pk: int | None) -> Queue | None:
    if pk is None:
        return None
    queue = Queue.objects.filter(pk=pk).first()
    if queue is None:
        raise ApiError("validation_error", "No such queue.", fields={"queue": ["No such queue."]})
    return queue
