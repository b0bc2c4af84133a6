"""``POST /api/v1/examples/import/``: a JSONL/CSV upload or a JSON list of rows."""

from __future__ import annotations

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
from labeling.services.imports.parsing import format_for, parse_rows, parse_stream
from labeling.services.imports.report import ImportFileError, ImportReport
from labeling.services.imports.service import examples_import
from labeling.services.imports.sources import default_batch_for


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    reason = serializers.CharField()


class ExampleImportApi(APIView):
    """Import examples. Multipart ``file`` (JSONL or CSV, streamed) or JSON ``rows``.

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
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        skip_invalid = values["skip_invalid"]
        try:
            if "file" in values:
                upload = values["file"]
                file_format = format_for(upload.name, values.get("format"))
                upload.seek(0)
                report = examples_import(
                    rows=parse_stream(upload, file_format=file_format),  # iterates the upload line by line
                    batch=values.get("batch") or default_batch_for(upload.name),
                    file_format=file_format,
                    skip_invalid=skip_invalid,
                )
            else:
                report = examples_import(
                    rows=parse_rows(values["rows"]),
                    batch=values.get("batch") or "default",
                    file_format="json",
                    skip_invalid=skip_invalid,
                )
        except ImportFileError as exc:
            raise ApiError(
                "import_unreadable", str(exc), status.HTTP_400_BAD_REQUEST, {"file": [str(exc)]}
            ) from exc
        if report.invalid and not skip_invalid:
            raise _rejected(report)
        body = self.OutputSerializer(report.as_dict()).data
        return Response(body, status=status.HTTP_201_CREATED if report.created else status.HTTP_200_OK)


def _rejected(report: ImportReport) -> ApiError:
    return ApiError(
        "import_rejected",
        f"{report.invalid} of {report.rows} rows are invalid, so nothing was imported. "
        "Fix the rows listed in fields.rows, or send skip_invalid=true to import the valid rows only.",
        status.HTTP_400_BAD_REQUEST,
        {"rows": [asdict(error) for error in report.row_errors], "errors_truncated": report.errors_truncated},
    )
