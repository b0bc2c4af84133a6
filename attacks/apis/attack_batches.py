"""Managers' automated attack batches: launch a greedy word-importance attack, read its counts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attacks.apis.manage import verification_queue_get
from attacks.models import AttackBatch
from attacks.services.paraphrase import SELECTIONS
from attacks.services.word_attack import attack_batch_counts, attack_batch_create
from gauntlet.accounts.permissions import IsManager
from gauntlet.api import ApiError
from gauntlet.workqueue.apis.common import request_user


class AttackBatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    selection = serializers.JSONField()
    sources = serializers.ListField(child=serializers.IntegerField())
    config = serializers.JSONField(source="paraphraser_config")
    classifier_version = serializers.CharField(source="classifier_version.name")
    verification_queue = serializers.IntegerField(source="verification_queue_id")
    error = serializers.CharField()
    counts = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_counts(self, batch: AttackBatch) -> dict[str, Any]:
        return attack_batch_counts(batch=batch)


class AttackBatchCreateApi(APIView):
    """Launch an automated attack on the active classifier; what ends below threshold goes to verification."""

    permission_classes = [IsManager]

    class InputSerializer(serializers.Serializer):
        sources = serializers.ChoiceField(choices=SELECTIONS)
        round = serializers.CharField(required=False, allow_blank=True)
        example_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
        query_budget = serializers.IntegerField(min_value=20, max_value=5000, default=200)
        max_changes = serializers.IntegerField(min_value=1, max_value=20, default=4)
        min_similarity = serializers.FloatField(min_value=0.0, max_value=1.0, default=0.8)
        verification_queue = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: AttackBatchOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        queue = verification_queue_get(values.pop("verification_queue"))
        batch = attack_batch_create(
            created_by=request_user(request),
            verification_queue=queue,
            selection=values.pop("sources"),
            **values,
        )
        batch.refresh_from_db()
        return Response(AttackBatchOutputSerializer(batch).data, status=status.HTTP_201_CREATED)


class AttackBatchDetailApi(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses=AttackBatchOutputSerializer)
    def get(self, request: Request, batch_id: int) -> Response:
        batch = AttackBatch.objects.select_related("classifier_version").filter(pk=batch_id).first()
        if batch is None:
            raise ApiError("not_found", "No such attack batch.", status.HTTP_404_NOT_FOUND)
        return Response(AttackBatchOutputSerializer(batch).data)
