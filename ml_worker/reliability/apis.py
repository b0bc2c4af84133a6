"""Managers' reliability endpoints: generation, test sets, sweeps, quality comparisons, calibration."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.common.enqueue import task_send_on_commit
from ml_worker.models import ClassifierVersion
from ml_worker.reliability import selectors
from ml_worker.reliability.models import EvaluationSet, GenerationBatch, ThresholdDecision
from ml_worker.reliability.services.calibration import (
    threshold_decision_approve,
    threshold_decision_propose,
    threshold_decision_reject,
)
from ml_worker.reliability.services.evaluation import in_distribution_set_create
from ml_worker.reliability.services.generation import generation_batch_create
from ml_worker.reliability.services.quality import quality_comparisons_create
from ml_worker.reliability.services.sweep import in_distribution_set_label_next


class _BatchOutput(serializers.ModelSerializer):
    class Meta:
        model = GenerationBatch
        fields = (
            "id", "name", "generator_kind", "generator_settings", "samples_per_prompt", "seed",
            "status", "error", "skipped", "created_at", "finished_at",
        )  # fmt: skip


class _DecisionOutput(serializers.ModelSerializer):
    class Meta:
        model = ThresholdDecision
        fields = (
            "id", "classifier_version", "previous_threshold", "threshold", "max_win_rate_upper",
            "evidence", "status", "proposed_by", "decided_by", "note", "created_at", "decided_at",
        )  # fmt: skip


class GenerationBatchCreateApi(APIView):
    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        generator = serializers.ChoiceField(choices=["story_world", "hf", "http"])
        generator_settings = serializers.DictField(required=False)
        prompts = serializers.ListField(child=serializers.CharField(), required=False)
        n_prompts = serializers.IntegerField(required=False, min_value=1)
        samples_per_prompt = serializers.IntegerField(min_value=1)
        seed = serializers.IntegerField(default=0)

    @extend_schema(request=InputSerializer, responses={201: _BatchOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        batch = generation_batch_create(
            name=data["name"],
            generator_kind=data["generator"],
            generator_settings=data.get("generator_settings"),
            prompts=data.get("prompts"),
            n_prompts=data.get("n_prompts"),
            samples_per_prompt=data["samples_per_prompt"],
            seed=data["seed"],
            created_by=request.user,  # type: ignore[arg-type]  # IsManager: signed in
        )
        batch.refresh_from_db()
        return Response(_BatchOutput(batch).data, status=status.HTTP_201_CREATED)


class GenerationBatchDetailApi(APIView):
    permission_classes = (IsManager,)

    @extend_schema(responses={200: _BatchOutput})
    def get(self, request: Request, batch_id: int) -> Response:
        return Response(_BatchOutput(get_object_or_404(GenerationBatch, pk=batch_id)).data)


class _SetOutput(serializers.ModelSerializer):
    members = serializers.IntegerField(source="members.count")

    class Meta:
        model = EvaluationSet
        fields = ("id", "name", "kind", "source", "round", "generation_batch", "label_queue", "members")


class TestSetCreateApi(APIView):
    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        generation_batch = serializers.IntegerField()
        n_samples = serializers.IntegerField(min_value=1)
        overlap = serializers.IntegerField(min_value=1, max_value=20, default=1)
        seed = serializers.IntegerField(default=0)

    @extend_schema(request=InputSerializer, responses={201: _SetOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        batch = get_object_or_404(GenerationBatch, pk=data["generation_batch"])
        evaluation_set = in_distribution_set_create(
            batch=batch,
            n_samples=data["n_samples"],
            seed=data["seed"],
            overlap=data["overlap"],
            created_by=request.user,  # type: ignore[arg-type]
        )
        return Response(_SetOutput(evaluation_set).data, status=status.HTTP_201_CREATED)


class TestSetLabelNextApi(APIView):
    """Add labels where the failure-rate bound tightens fastest (score-stratified top-up)."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        classifier_version = serializers.IntegerField()
        budget = serializers.IntegerField(min_value=1, max_value=100_000)
        seed = serializers.IntegerField(default=0)

    @extend_schema(request=InputSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, set_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evaluation_set = get_object_or_404(EvaluationSet, pk=set_id, kind="in_distribution")
        version = get_object_or_404(ClassifierVersion, pk=data["classifier_version"])
        result = in_distribution_set_label_next(
            evaluation_set=evaluation_set, version=version, budget=data["budget"], seed=data["seed"]
        )
        return Response(result)


def reliability_summary(version: ClassifierVersion) -> dict[str, Any]:
    """What the reliability page and API show of a version: the latest sweep, win rates, decisions."""
    sweep = selectors.latest_sweep(version=version)
    return {
        "classifier_version": version.pk,
        "threshold": version.threshold,
        "sweep": {
            "id": sweep.pk,
            "computed_at": sweep.computed_at,
            "rows": sweep.rows,
            "summary": sweep.summary,
        }
        if sweep
        else None,
        "win_rates": [w.as_dict() for w in selectors.win_rates(version=version)],
        "decisions": _DecisionOutput(selectors.threshold_decisions(version=version), many=True).data,
    }


class ReliabilityApi(APIView):
    permission_classes = (IsManager,)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, version_id: int) -> Response:
        return Response(reliability_summary(get_object_or_404(ClassifierVersion, pk=version_id)))


class SweepCreateApi(APIView):
    """Queue a sweep on a gpu worker (it scores what the version lacks first)."""

    permission_classes = (IsManager,)

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request, version_id: int) -> Response:
        version = get_object_or_404(ClassifierVersion, pk=version_id)
        task_send_on_commit("ml_worker.tasks.threshold_sweep_run", version.pk)
        return Response({"queued": True, "classifier_version": version.pk}, status=status.HTTP_202_ACCEPTED)


class QualityComparisonsCreateApi(APIView):
    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        threshold = serializers.FloatField(min_value=0.0, max_value=1.0)
        generation_batch = serializers.IntegerField()
        overlap = serializers.IntegerField(min_value=1, max_value=20, default=1)
        seed = serializers.IntegerField(default=0)

    @extend_schema(request=InputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, version_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = get_object_or_404(ClassifierVersion, pk=version_id)
        batch = get_object_or_404(GenerationBatch, pk=data["generation_batch"])
        queue, counts = quality_comparisons_create(
            version=version,
            threshold=data["threshold"],
            batch=batch,
            overlap=data["overlap"],
            seed=data["seed"],
            created_by=request.user,  # type: ignore[arg-type]
        )
        return Response({"queue": queue.pk, **counts}, status=status.HTTP_201_CREATED)


class ThresholdDecisionProposeApi(APIView):
    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        max_win_rate_upper = serializers.FloatField(default=0.55)
        min_pairs = serializers.IntegerField(min_value=1, default=20)

    @extend_schema(request=InputSerializer, responses={201: _DecisionOutput})
    def post(self, request: Request, version_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = get_object_or_404(ClassifierVersion, pk=version_id)
        decision = threshold_decision_propose(
            version=version,
            max_win_rate_upper=serializer.validated_data["max_win_rate_upper"],
            min_pairs=serializer.validated_data["min_pairs"],
            proposed_by=request.user,  # type: ignore[arg-type]
        )
        return Response(_DecisionOutput(decision).data, status=status.HTTP_201_CREATED)


class ThresholdDecisionDecideApi(APIView):
    """Approve (the version's threshold changes, audited) or reject a proposed threshold."""

    permission_classes = (IsManager,)
    approve = True

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    @extend_schema(request=InputSerializer, responses={200: _DecisionOutput})
    def post(self, request: Request, decision_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = get_object_or_404(ThresholdDecision, pk=decision_id)
        decide = threshold_decision_approve if self.approve else threshold_decision_reject
        decision = decide(
            decision=decision,
            approver=request.user,  # type: ignore[arg-type]
            note=serializer.validated_data["note"],
        )
        return Response(_DecisionOutput(decision).data)


class ThresholdDecisionRejectApi(ThresholdDecisionDecideApi):
    approve = False
