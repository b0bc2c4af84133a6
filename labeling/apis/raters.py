"""Manager endpoints on a rater: the audit, probation, block."""

from __future__ import annotations

from typing import cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.models import User
from gauntlet.accounts.permissions import IsManager
from labeling.selectors import rater_audit
from labeling.services.raters import rater_block, rater_probation


class RaterAuditApi(APIView):
    """A rater's accuracy (vs other raters' majority, leave-one-out, and vs gold), Cohen's kappa
    vs each peer, speed, gold record, flags and the examples where they disagreed with consensus."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        rater = serializers.JSONField()
        n_labels = serializers.IntegerField()
        labels_per_queue = serializers.JSONField()
        n_comparisons = serializers.IntegerField()
        stats = serializers.JSONField(allow_null=True)
        kappa_vs_peers = serializers.JSONField()
        speed = serializers.JSONField()
        gold_record = serializers.JSONField()
        flags = serializers.ListField(child=serializers.CharField())
        flagged = serializers.BooleanField()
        thresholds = serializers.JSONField()
        disagreements = serializers.JSONField()

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, rater_id: int) -> Response:
        rater = get_object_or_404(User, pk=rater_id)
        return Response(self.OutputSerializer(rater_audit(rater=rater)).data)


class _StandingInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class _StandingOutput(serializers.Serializer):
    rater_id = serializers.IntegerField(source="user_id")
    qualification = serializers.CharField()
    note = serializers.CharField()


class RaterProbationApi(APIView):
    """Move a rater to probation."""

    permission_classes = (IsManager,)

    class InputSerializer(_StandingInput):
        pass

    class OutputSerializer(_StandingOutput):
        pass

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, rater_id: int) -> Response:
        rater = get_object_or_404(User, pk=rater_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = rater_probation(
            rater=rater, by=cast(User, request.user), note=data.validated_data.get("note", "")
        )
        return Response(self.OutputSerializer(profile).data)


class RaterBlockApi(APIView):
    """Block a rater: they can claim nothing and their open leases are released."""

    permission_classes = (IsManager,)

    class InputSerializer(_StandingInput):
        pass

    class OutputSerializer(_StandingOutput):
        pass

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, rater_id: int) -> Response:
        rater = get_object_or_404(User, pk=rater_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = rater_block(
            rater=rater, by=cast(User, request.user), note=data.validated_data.get("note", "")
        )
        return Response(self.OutputSerializer(profile).data)
