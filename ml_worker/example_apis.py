"""Managers' example API: list and search examples, and fill a queue from a selection.

``GET /api/v1/examples/`` and ``POST /api/v1/queues/{id}/items/from-selection/`` live
on ml_worker's side because a selection may name a range of the latest score
(see :mod:`ml_worker.example_selection`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.api import Pagination
from gauntlet.workqueue.apis.common import queue_or_404
from labeling.example_search import CONSENSUS_FILTERS
from labeling.models import Source
from labeling.services.queue_selection import queue_items_add_examples
from ml_worker.example_selection import ExampleSelection, example_selection_search


class SelectionSerializer(serializers.Serializer):
    """The filters of a selection; every one optional, all of them combined (AND)."""

    batch = serializers.CharField(required=False, allow_blank=True, max_length=200)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named like Field.source
        choices=Source.choices, required=False, allow_blank=True
    )
    consensus_label = serializers.ChoiceField(
        choices=CONSENSUS_FILTERS,
        required=False,
        allow_blank=True,
        help_text="The decided final consensus label; 'none' for examples without one yet.",
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Substring of prompt or completion."
    )
    score_min = serializers.FloatField(
        required=False, allow_null=True, min_value=0.0, max_value=1.0, help_text="Latest score at least."
    )
    score_max = serializers.FloatField(
        required=False, allow_null=True, min_value=0.0, max_value=1.0, help_text="Latest score at most."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("score_min"), attrs.get("score_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"score_max": ["score_max must be at least score_min."]})
        return attrs


class ExampleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prompt = serializers.CharField()
    completion = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    batch = serializers.CharField()
    external_id = serializers.CharField()
    imported_label = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    consensus_label = serializers.CharField(allow_null=True, help_text="Latest decided final consensus.")
    latest_score = serializers.FloatField(allow_null=True, help_text="Latest P(injurious), any version.")
    latest_score_version = serializers.CharField(allow_null=True, help_text="The version that gave it.")
    unscorable = serializers.CharField(
        allow_null=True,
        help_text="Why the active version cannot score it (a completion over its token limit); never retried.",
    )
    created_at = serializers.DateTimeField()


class ExampleListApi(APIView):
    """Examples, oldest first, filtered by batch, source, consensus label, text and latest
    score range; paginated (``page``, ``page_size`` up to 500)."""

    permission_classes = (IsManager,)

    class InputSerializer(SelectionSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = ExampleOutputSerializer(many=True)

    @extend_schema(parameters=[InputSerializer], responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        filters = self.InputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        examples = example_selection_search(selection=ExampleSelection.from_values(filters.validated_data))
        paginator = Pagination()
        page = paginator.paginate_queryset(examples, request, view=self)
        return paginator.get_paginated_response(ExampleOutputSerializer(page, many=True).data)


class QueueItemsFromSelectionApi(APIView):
    """Add every example a selection matches to the queue, each once: examples the queue
    already has and repeats in ``example_ids`` are counted, not added. Bulk (20,000 items
    in about a second). At least one filter or ``example_ids`` is required."""

    permission_classes = (IsManager,)

    class InputSerializer(SelectionSerializer):
        example_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            max_length=100_000,
            help_text="Explicit example ids (repeats count once), added with whatever the filters match.",
        )
        priority = serializers.IntegerField(
            required=False, default=0, min_value=-(2**31), max_value=2**31 - 1
        )

    class OutputSerializer(serializers.Serializer):
        queue_id = serializers.IntegerField()
        selected = serializers.IntegerField(help_text="Distinct examples selected.")
        repeated = serializers.IntegerField(help_text="Entries naming an example already selected.")
        already_in_queue = serializers.IntegerField(help_text="Selected examples the queue already had.")
        added = serializers.IntegerField(help_text="Work items created.")
        seconds = serializers.FloatField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer})
    def post(self, request: Request, queue_id: int) -> Response:
        queue = queue_or_404(queue_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        selection = ExampleSelection.from_values(values)
        ids = values.get("example_ids") or []
        if selection.is_empty() and not ids:
            raise serializers.ValidationError(
                {"non_field_errors": ["Name at least one filter (batch, source, ...) or example_ids."]}
            )
        examples = example_selection_search(selection=selection)
        report = queue_items_add_examples(
            queue=queue,
            examples=examples if not selection.is_empty() else examples.none(),
            extra_ids=ids,
            priority=values["priority"],
        )
        return Response(
            self.OutputSerializer(report.as_dict()).data,
            status=status.HTTP_201_CREATED if report.added else status.HTTP_200_OK,
        )
