"""HTTP API of ml_worker: live tooling, registry and training, all for managers.

The bare live tools (``/score/``, ``/saliency/``, ``/substitutions/``) are managers' only: they
answer for any loadable version, so for anyone else they would be an open oracle (a verifier could
score the text they judge; an attacker could probe a trained-but-unpromoted version). Contractors
reach the tools only through their own open rewrite session (``attacks``), bound to its version
and condition."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.api import ApiError, Pagination
from gauntlet.workqueue.apis.common import request_user
from ml_worker.models import ClassifierVersion, TrainingRun
from ml_worker.reliability.selectors import heldout_comparison
from ml_worker.selectors import classifier_version_list, training_run_get
from ml_worker.services.live.client import (
    live_saliency_request,
    live_score_request,
    live_substitutions_request,
)
from ml_worker.services.live.validation import FIELDS, live_text_validate, live_version_resolve
from ml_worker.services.registry import classifier_version_promote, classifier_version_set_threshold
from ml_worker.services.training import training_run_create

# --- live tooling -------------------------------------------------------------------


class _PairInput(serializers.Serializer):
    # trim_whitespace off: offsets into the text must match what the client holds.
    prompt = serializers.CharField(allow_blank=True, trim_whitespace=False)
    completion = serializers.CharField(allow_blank=True, trim_whitespace=False)
    classifier_version = serializers.IntegerField(required=False, help_text="Default: the active version.")


def _pair(
    request: Request, serializer_class: type[serializers.Serializer]
) -> tuple[dict[str, Any], ClassifierVersion]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    live_text_validate(prompt=data["prompt"], completion=data["completion"])
    version = live_version_resolve(version_id=data.get("classifier_version"))
    return data, version


_WORKER_503 = {503: inline_serializer("WorkerUnavailable", {"error": serializers.DictField()})}


class LiveScoreApi(APIView):
    permission_classes = (IsManager,)  # contractors: their rewrite session's tools

    class InputSerializer(_PairInput):
        pass

    class OutputSerializer(serializers.Serializer):
        score = serializers.FloatField(help_text="P(injurious).")
        threshold = serializers.FloatField()
        passes = serializers.BooleanField(
            help_text="True when score < threshold (the filter lets it through)."
        )
        classifier_version = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **_WORKER_503})
    def post(self, request: Request) -> Response:
        data, version = _pair(request, self.InputSerializer)
        answer = live_score_request(prompt=data["prompt"], completion=data["completion"], version=version)
        return Response(self.OutputSerializer(answer).data)


class LiveSaliencyApi(APIView):
    permission_classes = (IsManager,)  # contractors: their rewrite session's tools

    class InputSerializer(_PairInput):
        pass

    class OutputSerializer(serializers.Serializer):
        class TokenSerializer(serializers.Serializer):
            field = serializers.ChoiceField(choices=FIELDS)
            start = serializers.IntegerField(help_text="Character offset into the field's text.")
            end = serializers.IntegerField()
            text = serializers.CharField(help_text="The characters the token was read from.")
            token = serializers.CharField(help_text="The tokenizer's piece, e.g. '##ed'.")
            gradient = serializers.FloatField(help_text="|d injurious logit / d token embedding|.")
            gradient_x_input = serializers.FloatField()

        score = serializers.FloatField()
        classifier_version = serializers.IntegerField()
        tokens = TokenSerializer(many=True)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **_WORKER_503})
    def post(self, request: Request) -> Response:
        data, version = _pair(request, self.InputSerializer)
        answer = live_saliency_request(prompt=data["prompt"], completion=data["completion"], version=version)
        return Response(self.OutputSerializer(answer).data)


class LiveSubstitutionsApi(APIView):
    permission_classes = (IsManager,)  # contractors: their rewrite session's tools

    class InputSerializer(_PairInput):
        class SpanSerializer(serializers.Serializer):
            field = serializers.ChoiceField(choices=FIELDS)
            start = serializers.IntegerField(min_value=0)
            end = serializers.IntegerField(min_value=0)

        span = SpanSerializer()
        k = serializers.IntegerField(min_value=1, max_value=50, default=10)

    class OutputSerializer(serializers.Serializer):
        class CandidateSerializer(serializers.Serializer):
            text = serializers.CharField(allow_blank=True, help_text="The replacement ('' for a deletion).")
            kind = serializers.CharField(help_text="How the edit was made (substitution, deletion, ...).")
            passes = serializers.BooleanField(help_text="True when the edited pair scores below threshold.")
            prompt = serializers.CharField(help_text="The full edited prompt.")
            completion = serializers.CharField(help_text="The full edited completion.")
            score = serializers.FloatField(help_text="P(injurious) of the whole pair with it, re-scored.")
            delta = serializers.FloatField(help_text="score - original score (negative: lowers it).")

        field = serializers.CharField()
        start = serializers.IntegerField(
            help_text="The edited word's span (the selection grown to whole words)."
        )
        end = serializers.IntegerField()
        word = serializers.CharField()
        original_score = serializers.FloatField()
        threshold = serializers.FloatField()
        classifier_version = serializers.IntegerField()
        substitutions = CandidateSerializer(many=True)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **_WORKER_503})
    def post(self, request: Request) -> Response:
        data, version = _pair(request, self.InputSerializer)
        span = data["span"]
        answer = live_substitutions_request(
            prompt=data["prompt"],
            completion=data["completion"],
            version=version,
            field=span["field"],
            start=span["start"],
            end=span["end"],
            k=data["k"],
        )
        return Response(self.OutputSerializer(answer).data)


# --- registry -----------------------------------------------------------------------


class _VersionOutput(serializers.ModelSerializer):
    class Meta:
        model = ClassifierVersion
        fields = (
            "id",
            "name",
            "status",
            "artifact_uri",
            "base_model",
            "parent",
            "threshold",
            "metrics",
            "data_hash",
            "train_config",
            "created_by",
            "created_at",
            "promoted_at",
        )


class ClassifierListApi(APIView):
    permission_classes = (IsManager,)

    class OutputSerializer(_VersionOutput):
        pass

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(classifier_version_list(), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class ClassifierDetailApi(APIView):
    permission_classes = (IsManager,)

    class OutputSerializer(_VersionOutput):
        data_counts = serializers.SerializerMethodField()

        class Meta(_VersionOutput.Meta):
            fields = (*_VersionOutput.Meta.fields, "data_counts")  # type: ignore[assignment]

        def get_data_counts(self, version: ClassifierVersion) -> dict[str, Any]:
            return dict(version.data_snapshot.get("counts", {}))

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, version_id: int) -> Response:
        version = get_object_or_404(ClassifierVersion, pk=version_id)
        return Response(self.OutputSerializer(version).data)


class ClassifierPromoteApi(APIView):
    permission_classes = (IsManager,)

    @extend_schema(request=None, responses={200: ClassifierDetailApi.OutputSerializer})
    def post(self, request: Request, version_id: int) -> Response:
        version = get_object_or_404(ClassifierVersion, pk=version_id)
        version = classifier_version_promote(version=version, actor=request_user(request))
        return Response(ClassifierDetailApi.OutputSerializer(version).data)


class ClassifierThresholdApi(APIView):
    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        threshold = serializers.FloatField(min_value=0.0, max_value=1.0)

    @extend_schema(request=InputSerializer, responses={200: ClassifierDetailApi.OutputSerializer})
    def post(self, request: Request, version_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = get_object_or_404(ClassifierVersion, pk=version_id)
        version = classifier_version_set_threshold(
            version=version, threshold=serializer.validated_data["threshold"], actor=request_user(request)
        )
        return Response(ClassifierDetailApi.OutputSerializer(version).data)


class ClassifierCompareApi(APIView):
    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        a = _VersionOutput()
        b = _VersionOutput()
        basis = serializers.CharField(help_text="What the metrics were computed on.")
        n_test = serializers.IntegerField(help_text="In-distribution test examples both versions scored.")
        n_heldout_adversarial = serializers.IntegerField()
        unscored = serializers.IntegerField(help_text="Held-out examples one of the two has not scored.")
        metrics = serializers.DictField(help_text="metric -> {a, b, difference (b - a)}, held-out data only.")

    @extend_schema(
        parameters=[OpenApiParameter("a", int, required=True), OpenApiParameter("b", int, required=True)],
        responses={200: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        ids = {}
        for key in ("a", "b"):
            raw = request.query_params.get(key, "")
            if not raw.isdigit():
                raise ApiError("validation_error", f"Query parameter {key!r} must be a version id.", 400)
            ids[key] = int(raw)
        a = get_object_or_404(ClassifierVersion, pk=ids["a"])
        b = get_object_or_404(ClassifierVersion, pk=ids["b"])
        # Held-out data only (issue 15): each version's own validation split differs and may hold what
        # the other trained on.
        comparison = heldout_comparison(a=a, b=b)
        return Response({"a": _VersionOutput(a).data, "b": _VersionOutput(b).data, **comparison})


# --- training -----------------------------------------------------------------------


class _RunOutput(serializers.ModelSerializer):
    version = _VersionOutput()

    class Meta:
        model = TrainingRun
        fields = (
            "id",
            "status",
            "version",
            "celery_task_id",
            "checkpoint_uri",
            "progress",
            "metrics_history",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "error",
        )


class TrainingRunCreateApi(APIView):
    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        from_version = serializers.IntegerField(required=False, help_text="Fine-tune this version's weights.")
        name = serializers.CharField(required=False, max_length=100)
        config = serializers.DictField(
            required=False,
            help_text="TrainConfig fields (epochs, lr, sift, ...) and run options "
            "(val_fraction, include_imported, promote, queues: train on these queues' consensus only).",
        )

    class OutputSerializer(_RunOutput):
        pass

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if "from_version" in data:
            parent = ClassifierVersion.objects.filter(pk=data["from_version"]).first()
            if parent is None:
                raise ApiError("unknown_version", f"No classifier version {data['from_version']}.", 404)
        run = training_run_create(
            created_by=request.user,  # type: ignore[arg-type]  # IsManager: signed in
            from_version=parent,
            name=data.get("name"),
            config=data.get("config"),
        )
        run.refresh_from_db()
        return Response(self.OutputSerializer(run).data, status=status.HTTP_201_CREATED)


class TrainingRunDetailApi(APIView):
    permission_classes = (IsManager,)

    class OutputSerializer(_RunOutput):
        pass

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, run_id: int) -> Response:
        run = training_run_get(run_id=run_id)
        if run is None:
            raise ApiError("not_found", f"No training run {run_id}.", 404)
        return Response(self.OutputSerializer(run).data)
