"""Contractors' rewrite tool: claim a seed, edit with live scores, ask the tools, submit, see outcomes.

A contractor only ever sees their own sessions: anyone else's id answers 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attacks.models import EditTool, RewriteSession
from attacks.selectors import (
    attack_submissions_for_author,
    rewrite_session_for_contractor,
    rewrite_session_threshold,
)
from attacks.services.sessions.edits import rewrite_edit_record, rewrite_saliency, rewrite_substitutions
from attacks.services.sessions.lapse import rewrite_session_close_if_lapsed
from attacks.services.sessions.opening import rewrite_session_open
from attacks.services.sessions.submit import rewrite_session_abandon, rewrite_session_submit
from gauntlet.accounts.permissions import IsContractor
from gauntlet.api import ApiError, Pagination
from gauntlet.workqueue.apis.common import request_user
from gauntlet.workqueue.models import Queue
from gauntlet.workqueue.services import assignment_claim
from ml_worker.core.passing import passes

EDIT_TOOLS = [t for t in EditTool.values if t != EditTool.SEED]


class SessionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    status = serializers.CharField()
    condition = serializers.CharField()
    classifier_version = serializers.CharField(source="classifier_version.name")
    threshold = serializers.SerializerMethodField()
    seed_prompt = serializers.CharField(source="seed.prompt")
    seed_completion = serializers.CharField(source="seed.completion")
    prompt = serializers.CharField(source="current_prompt")
    completion = serializers.CharField(source="current_completion")
    score = serializers.FloatField(source="current_score")
    passes = serializers.SerializerMethodField()
    edits = serializers.SerializerMethodField()

    def get_threshold(self, session: RewriteSession) -> float:
        return rewrite_session_threshold(session=session)

    def get_passes(self, session: RewriteSession) -> bool:
        return passes(session.current_score, rewrite_session_threshold(session=session))

    def get_edits(self, session: RewriteSession) -> int:
        return int(session.edits.count())


def _own(session_id: int, request: Request) -> RewriteSession:
    """The contractor's session, or 404. The services it is handed to close it first if its
    task lapsed, so a lapsed session never looks open."""
    session = rewrite_session_for_contractor(session_id=session_id, contractor=request_user(request))
    if session is None:
        raise ApiError("not_found", "No such rewrite session.", status.HTTP_404_NOT_FOUND)
    return session


class RewriteSessionStartApi(APIView):
    """Claim the next seed of a rewrite queue and open its session (the same as claiming through
    ``POST /api/v1/queues/{id}/claim/``, whose task then carries the session id)."""

    permission_classes = [IsContractor]

    class InputSerializer(serializers.Serializer):
        queue = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: SessionOutputSerializer, 204: None})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        queue = Queue.objects.filter(pk=data.validated_data["queue"], kind="rewrite").first()
        if queue is None:
            raise ApiError("not_found", "No such rewrite queue.", status.HTTP_404_NOT_FOUND)
        assignment = assignment_claim(queue=queue, contractor=request_user(request))
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        session = rewrite_session_open(assignment=assignment)
        return Response(SessionOutputSerializer(session).data, status=status.HTTP_201_CREATED)


class RewriteSessionDetailApi(APIView):
    permission_classes = [IsContractor]

    @extend_schema(responses=SessionOutputSerializer)
    def get(self, request: Request, session_id: int) -> Response:
        session = rewrite_session_close_if_lapsed(session=_own(session_id, request))
        return Response(SessionOutputSerializer(session).data)


class RewriteEditCreateApi(APIView):
    """Score an edit of the session's text (server-side, with the attacked version) and record it."""

    permission_classes = [IsContractor]

    class InputSerializer(serializers.Serializer):
        prompt = serializers.CharField(trim_whitespace=False)
        completion = serializers.CharField(trim_whitespace=False)
        tool = serializers.ChoiceField(choices=EDIT_TOOLS, default=EditTool.TYPED)

    class OutputSerializer(serializers.Serializer):
        seq = serializers.IntegerField()
        prompt = serializers.CharField()
        completion = serializers.CharField()
        score = serializers.FloatField()
        tool = serializers.CharField()
        passes = serializers.BooleanField()
        threshold = serializers.FloatField()
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, session_id: int) -> Response:
        session = _own(session_id, request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        edit = rewrite_edit_record(session=session, contractor=request_user(request), **data.validated_data)
        threshold = rewrite_session_threshold(session=session)
        out = {
            **{f: getattr(edit, f) for f in ("seq", "prompt", "completion", "score", "tool", "created_at")}
        }
        out.update(passes=passes(edit.score, threshold), threshold=threshold)
        return Response(self.OutputSerializer(out).data, status=status.HTTP_201_CREATED)


class RewriteSaliencyApi(APIView):
    """Per-token saliency of the current text (tool-assisted sessions; 403 in manual ones)."""

    permission_classes = [IsContractor]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, session_id: int) -> Response:
        session = _own(session_id, request)
        return Response(rewrite_saliency(session=session, contractor=request_user(request)))


class RewriteSubstitutionsApi(APIView):
    """Replacements for a span of the current text, best (lowest score) first (tool-assisted only)."""

    permission_classes = [IsContractor]

    class InputSerializer(serializers.Serializer):
        field = serializers.ChoiceField(choices=["prompt", "completion"], default="completion")
        start = serializers.IntegerField(min_value=0)
        end = serializers.IntegerField(min_value=1)
        k = serializers.IntegerField(min_value=1, max_value=50, default=10)

    @extend_schema(request=InputSerializer, responses={200: dict})
    def post(self, request: Request, session_id: int) -> Response:
        session = _own(session_id, request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = rewrite_substitutions(
            session=session, contractor=request_user(request), **data.validated_data
        )
        return Response(answer)


class SubmissionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session_id = serializers.IntegerField(allow_null=True)
    example_id = serializers.IntegerField()
    prompt = serializers.CharField(source="example.prompt")
    completion = serializers.CharField(source="example.completion")
    source = serializers.CharField()  # type: ignore[assignment]  # the field name, not DRF's Field.source
    classifier_version = serializers.CharField(source="classifier_version.name")
    score = serializers.FloatField()
    threshold = serializers.FloatField()
    status = serializers.CharField()
    feedback = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class RewriteSubmitApi(APIView):
    """Submit the current text: re-scored by the server; 409 when it does not pass or is a near duplicate."""

    permission_classes = [IsContractor]

    @extend_schema(request=None, responses={201: SubmissionOutputSerializer})
    def post(self, request: Request, session_id: int) -> Response:
        session = _own(session_id, request)
        submission = rewrite_session_submit(session=session, contractor=request_user(request))
        return Response(SubmissionOutputSerializer(submission).data, status=status.HTTP_201_CREATED)


class RewriteAbandonApi(APIView):
    permission_classes = [IsContractor]

    @extend_schema(request=None, responses=SessionOutputSerializer)
    def post(self, request: Request, session_id: int) -> Response:
        session = rewrite_session_abandon(session=_own(session_id, request), contractor=request_user(request))
        return Response(SessionOutputSerializer(session).data)


class MyRewritesListApi(APIView):
    """The author's submissions and their outcomes (failed attempts carry the verifiers' feedback)."""

    permission_classes = [IsContractor]

    @extend_schema(responses=SubmissionOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows: Any = attack_submissions_for_author(author=request_user(request))
        paginator = Pagination()
        page: Any = paginator.paginate_queryset(rows, request, self)
        return paginator.get_paginated_response(SubmissionOutputSerializer(page, many=True).data)
