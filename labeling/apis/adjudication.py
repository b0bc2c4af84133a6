"""Managers' adjudication: the items raters could not decide, and the manager's decision on one."""

from __future__ import annotations

from typing import Any, cast

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.models import User
from gauntlet.accounts.permissions import IsManager
from gauntlet.api import Pagination
from labeling.models import Consensus
from labeling.selectors import consensus_awaiting_adjudication, consensus_votes
from labeling.services.adjudication import ADJUDICATION_LABELS, consensus_adjudicate


class ConsensusOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    queue_id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    example_id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    decided = serializers.BooleanField()
    final = serializers.BooleanField()
    method = serializers.CharField()
    n_labels = serializers.IntegerField()
    agreement = serializers.FloatField()
    computed_at = serializers.DateTimeField()


class AdjudicationListApi(APIView):
    """Items whose raters could not decide (a tie or only "unsure") at their queue's cap, oldest
    first, with the text and how the counted votes split (paginated; ``?queue=`` narrows)."""

    permission_classes = (IsManager,)

    class OutputSerializer(ConsensusOutputSerializer):
        queue_name = serializers.CharField(source="queue.name")
        queue_kind = serializers.CharField(source="queue.kind")
        prompt = serializers.CharField(source="example.prompt")
        completion = serializers.CharField(source="example.completion")
        votes = serializers.SerializerMethodField()

        def get_votes(self, consensus: Consensus) -> dict[str, int]:
            return consensus_votes(consensus=consensus)

    @extend_schema(
        parameters=[OpenApiParameter("queue", OpenApiTypes.INT, description="Only this queue's items.")],
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        queue_id = request.query_params.get("queue")
        rows = consensus_awaiting_adjudication()
        if queue_id is not None:
            rows = rows.filter(queue_id=int(queue_id)) if queue_id.isdigit() else rows.none()
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class AdjudicationDecideApi(APIView):
    """Decide an undecided item: ``{"label": "injurious" | "not_injurious", "note"?}``. 409 when it is
    not awaiting adjudication (still escalated, or decided)."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        label = serializers.ChoiceField(choices=ADJUDICATION_LABELS)  # type: ignore[assignment]
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    @extend_schema(request=InputSerializer, responses={200: ConsensusOutputSerializer})
    def post(self, request: Request, consensus_id: int) -> Response:
        consensus = get_object_or_404(Consensus, pk=consensus_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        decided = consensus_adjudicate(
            consensus=consensus, label=values["label"], by=cast(User, request.user), note=values["note"]
        )
        return Response(ConsensusOutputSerializer(decided).data)
