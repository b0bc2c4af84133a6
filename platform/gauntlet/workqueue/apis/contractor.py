"""What contractors call: claim, heartbeat, release, submit, and their own lists."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsContractor
from gauntlet.api import Pagination
from gauntlet.workqueue import registry, selectors, services
from gauntlet.workqueue.apis.common import AssignmentSerializer, assignment_data, json_object, request_user
from gauntlet.workqueue.models import Assignment

NO_TASK_REASON = (
    "Nothing for you in this queue right now: every open item is complete, leased to someone "
    "else, or already judged by you. Try again later."
)


def _present(assignment: Assignment) -> dict[str, Any]:
    data = assignment_data(assignment)
    data["task"] = registry.get_kind(assignment.queue.kind).present(assignment=assignment)
    return data


class QueueClaimApi(APIView):
    """Your open assignment in this queue if you hold one, else lease the best next item.

    Always 200: ``{"assignment": {..., "task": {...}}, "reason": null}``, or
    ``{"assignment": null, "reason": "..."}`` when nothing is left for you.
    403 (with a code and a message saying why) when you may not claim here.
    """

    permission_classes = (IsContractor,)

    class OutputSerializer(serializers.Serializer):
        assignment = serializers.DictField(allow_null=True, help_text="The assignment, with its `task`.")
        reason = serializers.CharField(allow_null=True)

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, queue_id: int) -> Response:
        queue, assignment = services.queue_claim(queue_id=queue_id, contractor=request_user(request))
        if assignment is None:
            return Response({"assignment": None, "reason": NO_TASK_REASON})
        assignment.queue = queue
        return Response({"assignment": _present(assignment), "reason": None})


class AssignmentHeartbeatApi(APIView):
    """Keep the lease alive and count active time (send ``{"active": false}`` from an idle tab)."""

    permission_classes = (IsContractor,)

    class InputSerializer(serializers.Serializer):
        active = serializers.BooleanField(default=True)

    @extend_schema(request=InputSerializer, responses={200: AssignmentSerializer})
    def post(self, request: Request, assignment_id: int) -> Response:
        data = self.InputSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        assignment = services.assignment_heartbeat(
            assignment=Assignment(pk=assignment_id),  # the service locks it, if it is yours (else 404)
            contractor=request_user(request),
            active=data.validated_data["active"],
        )
        return Response(assignment_data(assignment))


class AssignmentReleaseApi(APIView):
    """Give the task back unfinished; the item returns to the queue."""

    permission_classes = (IsContractor,)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = services.assignment_release(
            assignment=Assignment(pk=assignment_id), contractor=request_user(request)
        )  # the service locks it, if it is yours (else 404)
        return Response(assignment_data(assignment))


class AssignmentSubmitApi(APIView):
    """Submit your judgment: the body is the kind's submission (e.g. ``{"label": ...}``).

    A retried submit answers 200 with the first result and changes nothing; a lease
    that ran out answers 409 ``lease_expired``; a bad submission 400 with field errors.
    """

    permission_classes = (IsContractor,)

    @extend_schema(
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={200: AssignmentSerializer},
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = services.assignment_submit(
            assignment=Assignment(pk=assignment_id),  # the service locks it, if it is yours (else 404)
            contractor=request_user(request),
            data=json_object(request.data),
        )
        return Response(assignment_data(assignment))


class MyQueuesApi(APIView):
    """Open queues you may work on, with pay and how many tasks are available to you."""

    permission_classes = (IsContractor,)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="queue.id")
        name = serializers.CharField(source="queue.name")
        description = serializers.CharField(source="queue.description")
        kind = serializers.CharField(source="queue.kind")
        pay_mode = serializers.CharField(source="queue.pay_mode")
        pay_per_task = serializers.DecimalField(max_digits=10, decimal_places=4, source="queue.pay_per_task")
        hourly_rate = serializers.DecimalField(
            max_digits=8, decimal_places=2, source="queue.hourly_rate", allow_null=True
        )
        currency = serializers.CharField(source="queue.currency")
        available = serializers.IntegerField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = selectors.queues_for_contractor(contractor=request_user(request))
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class MyAssignmentsApi(APIView):
    """Your open (leased, unexpired) assignments, each with its task."""

    permission_classes = (IsContractor,)

    @extend_schema(responses={200: AssignmentSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.contractor_open_assignments(contractor=request_user(request)), request, self
        )
        return paginator.get_paginated_response([_present(a) for a in page or []])


class MyHistoryApi(APIView):
    """Everything you submitted, newest first, with its review status (paginated)."""

    permission_classes = (IsContractor,)

    @extend_schema(responses={200: AssignmentSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.contractor_history(contractor=request_user(request)), request, self
        )
        return paginator.get_paginated_response(AssignmentSerializer(page, many=True).data)
