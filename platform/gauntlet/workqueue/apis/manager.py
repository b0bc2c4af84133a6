"""What managers call: queues, items, progress, review, blocking."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.models import Role, User
from gauntlet.accounts.permissions import IsManager
from gauntlet.api import Pagination
from gauntlet.workqueue import selectors, services
from gauntlet.workqueue.apis.common import (
    QueueSerializer,
    ReviewedAssignmentSerializer,
    json_object,
    queue_or_404,
    request_user,
)
from gauntlet.workqueue.models import Assignment, Queue, QueueState


class _QueueNameKind(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=32)


class QueueListCreateApi(APIView):
    """GET: every queue. POST: create one (draft unless ``state`` says otherwise);
    unknown or bad fields → 400 with field errors."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.ModelSerializer):
        """What a manager may set (the schema's request body). The service checks the rest
        (kind settings, pay consistency) and refuses unknown fields."""

        class Meta:
            model = Queue
            fields = (
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
            )

    @extend_schema(responses={200: QueueSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.queue_list(), request, view=self)
        return paginator.get_paginated_response(QueueSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: QueueSerializer})
    def post(self, request: Request) -> Response:
        body = json_object(request.data)
        data = _QueueNameKind(data=body)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = {k: v for k, v in body.items() if k not in ("name", "kind")}
        queue = services.queue_create(
            created_by=request_user(request),
            name=data.validated_data["name"],
            kind=data.validated_data["kind"],
            **fields,
        )
        return Response(QueueSerializer(queue).data, status=status.HTTP_201_CREATED)


class QueueDetailApi(APIView):
    """GET: one queue. PATCH: change some of its settings (the fields given). Pay applies to
    tasks claimed afterwards, overlap to items added afterwards; the state changes only through
    open/pause/close and the kind only while the queue is a draft without items (409 otherwise);
    bad fields or kind settings → 400 with field errors (``kind_settings.<setting>``)."""

    permission_classes = (IsManager,)

    class UpdateSerializer(serializers.ModelSerializer):
        """What an edit may set (the schema's request body; every field optional). The service
        checks the rest and refuses unknown fields."""

        class Meta:
            model = Queue
            fields = tuple(name for name in QueueListCreateApi.InputSerializer.Meta.fields if name != "state")

    @extend_schema(responses={200: QueueSerializer})
    def get(self, request: Request, queue_id: int) -> Response:
        return Response(QueueSerializer(queue_or_404(queue_id)).data)

    @extend_schema(request=UpdateSerializer, responses={200: QueueSerializer})
    def patch(self, request: Request, queue_id: int) -> Response:
        queue = services.queue_update(
            queue=queue_or_404(queue_id), updated_by=request_user(request), changes=json_object(request.data)
        )
        return Response(QueueSerializer(queue).data)


class _QueueStateApi(APIView):
    permission_classes = (IsManager,)
    target_state: str = ""

    @extend_schema(request=None, responses={200: QueueSerializer})
    def post(self, request: Request, queue_id: int) -> Response:
        queue = services.queue_set_state(
            queue=queue_or_404(queue_id), state=self.target_state, actor=request_user(request)
        )
        return Response(QueueSerializer(queue).data)


class QueueOpenApi(_QueueStateApi):
    """Start handing out tasks (from draft or paused)."""

    target_state = QueueState.OPEN


class QueuePauseApi(_QueueStateApi):
    """Stop handing out tasks for now; open leases may still be submitted."""

    target_state = QueueState.PAUSED


class QueueCloseApi(_QueueStateApi):
    """Close for good: no more claims, no more items."""

    target_state = QueueState.CLOSED


class QueueItemsAddApi(APIView):
    """Add items in bulk: ``{"items": [{"payload": {...}, "key"?, "priority"?, "gold_answer"?,
    "judgments_wanted"?}, ...]}``. All land or none: errors are keyed by row index. An example
    is in a queue once: a row naming one the queue already holds (gold or not), or that an earlier
    row named, is skipped and counted (``skipped``, ``skipped_rows``)."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        items = serializers.ListField(child=serializers.JSONField(), allow_empty=False, max_length=50_000)

    class OutputSerializer(serializers.Serializer):
        created = serializers.IntegerField()
        ids = serializers.ListField(child=serializers.IntegerField())
        skipped = serializers.IntegerField(help_text="Rows naming an example the queue already holds.")
        skipped_rows = serializers.ListField(
            child=serializers.IntegerField(), help_text="Their indices in ``items``."
        )

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, queue_id: int) -> Response:
        queue = queue_or_404(queue_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.items_add_report(queue=queue, items=data.validated_data["items"])
        body = {
            "created": len(added.items),
            "ids": [i.pk for i in added.items],
            "skipped": len(added.skipped_rows),
            "skipped_rows": added.skipped_rows,
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class QueueProgressApi(APIView):
    """Items by state, judgments, active contractors, median active seconds per task."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        items_by_state = serializers.DictField(child=serializers.IntegerField())
        gold_items = serializers.IntegerField()
        assignments_by_status = serializers.DictField(child=serializers.IntegerField())
        judgments_wanted = serializers.IntegerField()
        judgments_received = serializers.IntegerField()
        active_contractors = serializers.IntegerField()
        median_active_seconds = serializers.FloatField(allow_null=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, queue_id: int) -> Response:
        return Response(self.OutputSerializer(selectors.queue_progress(queue=queue_or_404(queue_id))).data)


class _AssignmentReviewApi(APIView):
    permission_classes = (IsManager,)
    approved = True

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: ReviewedAssignmentSerializer})
    def post(self, request: Request, assignment_id: int) -> Response:
        data = self.InputSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        assignment = services.assignment_review(
            assignment=get_object_or_404(Assignment, pk=assignment_id),
            approved=self.approved,
            reviewer=request_user(request),
            note=data.validated_data["note"],
        )
        return Response(ReviewedAssignmentSerializer(assignment).data)


class AssignmentApproveApi(_AssignmentReviewApi):
    """Approve submitted work (approving an approved assignment is a no-op; a rejected one → 409)."""

    approved = True


class AssignmentRejectApi(_AssignmentReviewApi):
    """Reject submitted work: it stops counting and the item goes back for another judgment."""

    approved = False


class AssignmentReviewBulkApi(APIView):
    """Approve or reject many assignments at once, all or none."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        assignment_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=10_000
        )
        approved = serializers.BooleanField()
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: ReviewedAssignmentSerializer(many=True)})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignments = services.assignments_review_bulk(reviewer=request_user(request), **data.validated_data)
        return Response(ReviewedAssignmentSerializer(assignments, many=True).data)


class ContractorBlockApi(APIView):
    """Block a contractor from every queue; their open leases go back to the queues."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        qualification = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, contractor_id: int) -> Response:
        data = self.InputSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        contractor = get_object_or_404(User, pk=contractor_id, role=Role.CONTRACTOR)
        services.contractor_block(
            contractor=contractor, by=request_user(request), note=data.validated_data["note"]
        )
        contractor.contractor_profile.refresh_from_db()
        return Response(
            self.OutputSerializer(
                {"id": contractor.pk, "qualification": contractor.contractor_profile.qualification}
            ).data
        )
