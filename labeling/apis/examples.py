"""``POST /api/v1/examples/import/``: a JSONL/CSV upload (gzip or not) or a JSON list of rows, any size.

The request is streamed to disk first (:mod:`labeling.services.imports.intake`), so bodies past
Django's in-memory limit are accepted; big files are better sent to ``import-jobs/``, which
answers at once and imports in the background with progress.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.permissions import IsManager
from gauntlet.api import ApiError
from labeling.services.imports.intake import (
    NothingToImport,
    ReceivedImport,
    import_request_receive,
    received_rows_open,
    strip_gz,
)
from labeling.services.imports.parsing import parse_stream
from labeling.services.imports.report import ImportFileError, ImportReport
from labeling.services.imports.service import examples_import
from labeling.services.imports.sources import default_batch_for


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    reason = serializers.CharField()


class ExampleImportApi(APIView):
    """Import examples. Multipart ``file`` (``.jsonl``/``.csv``, or either ``.gz``), JSON ``rows``
    (``Content-Encoding: gzip`` accepted), or the file as the raw body (``text/csv`` or
    ``application/x-ndjson``, gzip or not; ``batch``, ``skip_invalid`` in the query string).

    All-or-nothing unless ``skip_invalid``: with a bad row nothing lands and the
    400 error's ``fields.rows`` lists every bad row (row, field, reason).
    Re-importing into the same ``batch`` creates nothing new (duplicates are counted).
    """

    permission_classes = (IsManager,)
    parser_classes = (MultiPartParser, FormParser, JSONParser)

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(required=False, help_text="A .jsonl or .csv file.")
        rows = serializers.ListField(
            child=serializers.JSONField(), required=False, help_text="Rows as objects (instead of a file)."
        )
        format = serializers.ChoiceField(choices=("jsonl", "csv"), required=False)
        batch = serializers.CharField(required=False, max_length=200)
        skip_invalid = serializers.BooleanField(default=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("file" in attrs) == ("rows" in attrs):
                raise serializers.ValidationError(
                    {"file": ["Send either a file or rows, not both or neither."]}
                )
            return attrs

    class OutputSerializer(serializers.Serializer):
        batch = serializers.CharField()
        format = serializers.CharField()
        rows = serializers.IntegerField()
        valid = serializers.IntegerField()
        created = serializers.IntegerField()
        duplicates = serializers.IntegerField()
        invalid = serializers.IntegerField()
        landed = serializers.BooleanField()
        row_errors = RowErrorSerializer(many=True)
        errors_truncated = serializers.BooleanField()
        example_ids = serializers.ListField(
            child=serializers.IntegerField(),
            help_text="The examples the file's valid rows are (created or already in the batch), ascending.",
        )
        seconds = serializers.FloatField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer})
    def post(self, request: Request) -> Response:
        with import_received(request) as (received, options):
            with received_rows_open(received.path, gzipped=received.gzipped) as stream:
                try:
                    report = examples_import(
                        rows=parse_stream(stream, file_format=received.format),  # line by line
                        batch=options.get("batch") or _default_batch(received),
                        file_format="json" if received.sent_as == "json" else received.format,
                        skip_invalid=options["skip_invalid"],
                    )
                except ImportFileError as exc:
                    raise _unreadable(exc) from exc
        if report.invalid and not options["skip_invalid"]:
            raise _rejected(report)
        body = self.OutputSerializer(report.as_dict()).data
        return Response(body, status=status.HTTP_201_CREATED if report.created else status.HTTP_200_OK)


class ImportOptionsSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=("jsonl", "csv"), required=False)
    batch = serializers.CharField(required=False, max_length=200)
    skip_invalid = serializers.BooleanField(default=False)


def _default_batch(received: ReceivedImport) -> str:
    return "default" if received.sent_as == "json" else default_batch_for(strip_gz(received.name))


def _unreadable(exc: ImportFileError) -> ApiError:
    return ApiError("import_unreadable", str(exc), status.HTTP_400_BAD_REQUEST, {"file": [str(exc)]})


@contextmanager
def import_received(request: Request) -> Iterator[tuple[ReceivedImport, dict[str, Any]]]:
    """What the request carries (see :mod:`labeling.services.imports.intake`), on local disk, with
    its checked options; a 400 saying what to send when it carries nothing importable."""
    try:
        with import_request_receive(request._request) as received:
            options = ImportOptionsSerializer(
                data={k: v for k, v in received.options.items() if v is not None}
            )
            options.is_valid(raise_exception=True)
            yield received, dict(options.validated_data)
    except NothingToImport as exc:
        raise serializers.ValidationError({"file": [str(exc)]}) from exc
    except ImportFileError as exc:
        raise _unreadable(exc) from exc


def _rejected(report: ImportReport) -> ApiError:
    return ApiError(
        "import_rejected",
        f"{report.invalid} of {report.rows} rows are invalid, so nothing was imported. "
        "Fix the rows listed in fields.rows, or send skip_invalid=true to import the valid rows only.",
        status.HTTP_400_BAD_REQUEST,
        {"rows": [asdict(error) for error in report.row_errors], "errors_truncated": report.errors_truncated},
    )
