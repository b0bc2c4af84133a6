"""``POST /api/v1/examples/import-jobs/`` (start a background import) and ``GET …/{job_id}/`` (poll it).

The upload is what ``examples/import/`` takes (multipart file, gzip or not; a JSON rows body; a raw
CSV/JSONL body), streamed to disk and stored; the answer is 202 with the job at once (on the
embedded default, Celery is eager and the job has already finished). Poll the job for its state
and progress; its report lists every bad row as the synchronous import does.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.workqueue.apis.common import request_user
from labeling.apis.examples import ExampleImportApi, RowErrorSerializer, import_received
from labeling.models import ImportJob
from labeling.services.imports.jobs import import_job_create, import_job_progress


class ImportJobOutputSerializer(serializers.ModelSerializer):
    row_errors = RowErrorSerializer(many=True)
    progress = serializers.SerializerMethodField(
        help_text="0 to 1 within the current phase: bytes read while checking, rows written while landing."
    )
    finished = serializers.BooleanField()

    class Meta:
        model = ImportJob
        fields = (
            "id",
            "state",
            "finished",
            "progress",
            "source_name",
            "format",
            "batch",
            "skip_invalid",
            "bytes_total",
            "bytes_done",
            "rows_checked",
            "rows_total",
            "rows_landed",
            "valid",
            "invalid",
            "created",
            "duplicates",
            "row_errors",
            "errors_truncated",
            "first_example_id",
            "last_example_id",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        )

    def get_progress(self, job: ImportJob) -> float:
        return import_job_progress(job)


class ImportJobStartApi(APIView):
    """Start a background import: 202 with the job; poll ``GET /api/v1/examples/import-jobs/{id}/``.

    Bad rows are reported per row; with one and no ``skip_invalid`` the job ends ``rejected``
    and nothing is written (every row is checked before any is written)."""

    permission_classes = (IsManager,)
    parser_classes = (MultiPartParser, FormParser, JSONParser)

    @extend_schema(request=ExampleImportApi.InputSerializer, responses={202: ImportJobOutputSerializer})
    def post(self, request: Request) -> Response:
        with import_received(request) as (received, options):
            received.options = {**received.options, **options}
            job = import_job_create(received=received, created_by=request_user(request))
        job.refresh_from_db()  # eager Celery (the embedded default) has run it already
        return Response(ImportJobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobDetailApi(APIView):
    """One import job: state, progress, counts and its bad rows (managers only)."""

    permission_classes = (IsManager,)

    @extend_schema(responses={200: ImportJobOutputSerializer})
    def get(self, request: Request, job_id: int) -> Response:
        job: Any = get_object_or_404(ImportJob, pk=job_id)
        return Response(ImportJobOutputSerializer(job).data)
