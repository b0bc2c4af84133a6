"""Manager endpoints on a queue: agreement, consensus, comparison summary, dataset export."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.api import ApiError, Pagination
from gauntlet.common import storage
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import Queue
from labeling.models import Consensus
from labeling.selectors import queue_agreement, queue_comparison_summary
from labeling.services.consensus import queue_consensus_recompute
from labeling.services.exports import FORMATS, ExportError, dataset_export


def _queue(queue_id: int, capability: str, value: object = None) -> Queue:
    """The queue, if its kind has ``capability`` (a :class:`~gauntlet.workqueue.registry.TaskKind`
    attribute: ``judgments``, ``has_consensus``, ``is_exportable``; equal to ``value`` when given);
    400 naming the kinds that do."""
    queue = get_object_or_404(Queue, pk=queue_id)
    found = getattr(registry.get_kind(queue.kind), capability, None)
    if not found or (value is not None and found != value):
        able = registry.kinds_with(capability, value)
        raise ApiError(
            "wrong_queue_kind",
            f"Queue {queue_id} is a {queue.kind} queue; this endpoint is for {' or '.join(able)} queues.",
            status.HTTP_400_BAD_REQUEST,
        )
    return queue


class QueueAgreementApi(APIView):
    """Every agreement figure for a queue: percent agreement, Fleiss' kappa, Krippendorff's
    alpha, pairwise Cohen's kappa, per-rater accuracy (leave-one-out and gold), label
    distribution and Dawid–Skene confusion per rater, flagged raters, stored consensus."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        queue = serializers.JSONField()
        n_items = serializers.IntegerField()
        n_raters = serializers.IntegerField()
        n_labels = serializers.IntegerField()
        categories = serializers.ListField(child=serializers.CharField())
        abstain = serializers.CharField(allow_null=True)
        percent_agreement = serializers.FloatField(allow_null=True)
        fleiss_kappa = serializers.FloatField(allow_null=True)
        krippendorff_alpha = serializers.FloatField(allow_null=True)
        cohen_kappa = serializers.JSONField()
        consensus = serializers.JSONField()
        per_rater = serializers.JSONField()
        flagged_raters = serializers.JSONField()
        thresholds = serializers.JSONField()
        dawid_skene_priors = serializers.JSONField(required=False)
        stored_consensus = serializers.JSONField(required=False)
        comparisons = serializers.JSONField(required=False)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, queue_id: int) -> Response:
        queue = _queue(queue_id, "judgments")
        return Response(self.OutputSerializer(queue_agreement(queue=queue)).data)


class QueueConsensusListApi(APIView):
    """The stored consensus of each item of an injury-label queue (paginated)."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        example_id = serializers.IntegerField()
        item_id = serializers.IntegerField()
        label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
        decided = serializers.BooleanField()
        final = serializers.BooleanField()
        method = serializers.CharField()
        confidence = serializers.FloatField()
        agreement = serializers.FloatField()
        n_labels = serializers.IntegerField()
        computed_at = serializers.DateTimeField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request, queue_id: int) -> Response:
        queue = _queue(queue_id, "has_consensus")
        paginator = Pagination()
        page = paginator.paginate_queryset(
            Consensus.objects.filter(queue=queue).order_by("id"), request, view=self
        )
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class QueueConsensusRecomputeApi(APIView):
    """Recompute the consensus of every completed item (e.g. after a Dawid–Skene refit)."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        queue_id = serializers.IntegerField()
        recomputed = serializers.IntegerField()

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, queue_id: int) -> Response:
        queue = _queue(queue_id, "has_consensus")
        written = queue_consensus_recompute(queue=queue)
        return Response(self.OutputSerializer({"queue_id": queue.pk, "recomputed": written}).data)


class QueueComparisonSummaryApi(APIView):
    """Win rate with a 95% Wilson interval per pair of systems (ties as half a win), and
    Bradley–Terry strengths when a queue compares more than two systems."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        n_comparisons = serializers.IntegerField()
        win_rates = serializers.JSONField()
        bradley_terry = serializers.JSONField(allow_null=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, queue_id: int) -> Response:
        queue = _queue(queue_id, "judgments", "comparisons")
        return Response(self.OutputSerializer(queue_comparison_summary(queue=queue)).data)


class QueueDatasetExportApi(APIView):
    """Export a queue's decided consensus labels (JSONL, CSV or Hugging Face JSONL + card)
    with a manifest, to ``output`` (an ``s3://`` prefix) or to artifact storage under
    ``exports/``."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=FORMATS, default="jsonl")
        output = serializers.CharField(
            required=False, help_text="s3://bucket/prefix; default: artifact storage."
        )

        def validate_output(self, value: str) -> str:
            if not value.startswith("s3://"):
                raise serializers.ValidationError(
                    "output must be an s3:// URI (or left out for artifact storage)."
                )
            return value

    class OutputSerializer(serializers.Serializer):
        format = serializers.CharField()
        rows = serializers.IntegerField()
        label_counts = serializers.DictField(child=serializers.IntegerField())
        label_balance = serializers.DictField(child=serializers.FloatField())
        sources = serializers.DictField(child=serializers.IntegerField())
        queue_ids = serializers.ListField(child=serializers.IntegerField())
        consensus_methods = serializers.ListField(child=serializers.CharField())
        excluded_undecided = serializers.IntegerField()
        excluded_not_final = serializers.IntegerField()
        created_at = serializers.CharField()
        files = serializers.ListField(child=serializers.CharField())
        uris = serializers.ListField(child=serializers.CharField())

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, queue_id: int) -> Response:
        queue = _queue(queue_id, "is_exportable")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        output = values.get("output") or _default_output(queue, values["format"])
        try:
            manifest = dataset_export(queues=[queue], file_format=values["format"], output=output)
        except ExportError as exc:
            raise ApiError("export_failed", str(exc), status.HTTP_400_BAD_REQUEST) from exc
        return Response(self.OutputSerializer(manifest).data, status=status.HTTP_201_CREATED)


def _default_output(queue: Queue, file_format: str) -> str:
    key = f"exports/datasets/queue-{queue.pk}/{timezone.now():%Y%m%dT%H%M%S}-{file_format}"
    if storage.is_s3():
        return storage.uri_for(key)
    return str(storage.artifact_storage().path(key))
