"""Managers' attack endpoints: the adversarial-example registry, the matrix, paraphrase batches, cost."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attacks import reports
from attacks.models import AttackSource, ParaphraseBatch
from attacks.selectors import adversarial_example_list, adversarial_matrix, paraphrase_batch_counts
from attacks.services.paraphrase import SELECTIONS, paraphrase_batch_create
from gauntlet.accounts.permissions import IsManager
from gauntlet.api import ApiError, Pagination
from gauntlet.workqueue.apis.common import request_user
from gauntlet.workqueue.models import Queue


def verification_queue_get(queue_id: int) -> Queue:
    """The verification queue a batch sends its candidates to; a 404 naming the field when missing."""
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise ApiError(
            "not_found",
            "No such verification queue.",
            status.HTTP_404_NOT_FOUND,
            fields={"verification_queue": ["unknown"]},
        )
    return queue


class AdversarialExampleListApi(APIView):
    permission_classes = [IsManager]

    class FilterSerializer(serializers.Serializer):
        round = serializers.CharField(required=False)
        classifier_version = serializers.IntegerField(required=False)
        source = serializers.ChoiceField(choices=AttackSource.values, required=False)  # type: ignore[assignment]
        author = serializers.IntegerField(required=False)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        example_id = serializers.IntegerField()
        prompt = serializers.CharField(source="example.prompt")
        completion = serializers.CharField(source="example.completion")
        parent_id = serializers.IntegerField(source="example.parent_id", allow_null=True)
        classifier_version = serializers.CharField(source="classifier_version.name")
        round = serializers.CharField()
        score = serializers.FloatField()
        source = serializers.CharField()  # type: ignore[assignment]
        author = serializers.EmailField(source="author.email", allow_null=True, default=None)
        session_id = serializers.IntegerField(allow_null=True)
        confidence = serializers.FloatField()
        created_at = serializers.DateTimeField()

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            adversarial_example_list(filters=filters.validated_data), request, view=self
        )
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class AdversarialMatrixApi(APIView):
    """Rows: the version attacked; columns: the version evaluated; cell: fraction still passing."""

    permission_classes = [IsManager]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(adversarial_matrix())


class AdversarialMatrixRefreshApi(APIView):
    """Queue a refresh of the matrix (scores only the missing pairs)."""

    permission_classes = [IsManager]

    @extend_schema(request=None, responses={202: dict})
    def post(self, request: Request) -> Response:
        from attacks import tasks

        transaction.on_commit(lambda: tasks.refresh_adversarial_matrix.delay())
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class BatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    selection = serializers.JSONField()
    sources = serializers.ListField(child=serializers.IntegerField())
    k = serializers.IntegerField()
    paraphraser = serializers.CharField()
    paraphraser_config = serializers.JSONField()
    classifier_version = serializers.CharField(source="classifier_version.name")
    verification_queue = serializers.IntegerField(source="verification_queue_id")
    error = serializers.CharField()
    counts = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_counts(self, batch: ParaphraseBatch) -> dict[str, Any]:
        return paraphrase_batch_counts(batch=batch)


class ParaphraseBatchCreateApi(APIView):
    """Launch a paraphrase attack: k paraphrases of each source, generated and scored on a gpu worker."""

    permission_classes = [IsManager]

    class InputSerializer(serializers.Serializer):
        sources = serializers.ChoiceField(choices=SELECTIONS)
        round = serializers.CharField(required=False, allow_blank=True)
        example_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
        k = serializers.IntegerField(min_value=1, max_value=50, default=3)
        paraphraser = serializers.CharField(
            default="lexical", help_text="lexical | hf:PATH | http:URL[#MODEL]"
        )
        verification_queue = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: BatchOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        queue = verification_queue_get(values.pop("verification_queue"))
        batch = paraphrase_batch_create(
            created_by=request_user(request),
            verification_queue=queue,
            selection=values.pop("sources"),
            **values,
        )
        batch.refresh_from_db()
        return Response(BatchOutputSerializer(batch).data, status=status.HTTP_201_CREATED)


class ParaphraseBatchDetailApi(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses=BatchOutputSerializer)
    def get(self, request: Request, batch_id: int) -> Response:
        batch = ParaphraseBatch.objects.select_related("classifier_version").filter(pk=batch_id).first()
        if batch is None:
            raise ApiError("not_found", "No such paraphrase batch.", status.HTTP_404_NOT_FOUND)
        return Response(BatchOutputSerializer(batch).data)


class AttackCostApi(APIView):
    """Cost per adversarial example by attacked version × source and per contractor, with 95% intervals."""

    permission_classes = [IsManager]

    @extend_schema(responses={200: dict}, parameters=[OpenApiParameter("format", str, required=False)])
    def get(self, request: Request) -> Response:
        return Response(reports.cost_per_adversarial_example())
