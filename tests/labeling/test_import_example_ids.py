"""The import report names the examples it landed: ids and batch (issue 14)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from labeling.models import Example
from labeling.services.examples import example_create
from labeling.services.imports.parsing import parse_rows
from labeling.services.imports.service import examples_import

pytestmark = pytest.mark.django_db

ROWS = [{"prompt": f"Story {n}.", "completion": f"End {n}."} for n in range(5)]


def test_the_report_lists_every_example_the_file_is_across_chunks(settings: object) -> None:
    settings.GAUNTLET_IMPORT_CHUNK_SIZE = 2  # type: ignore[attr-defined]  # several chunks
    already = example_create(prompt="Story 3.", completion="End 3.", source="import", batch="ids")
    example_create(prompt="Elsewhere.", completion="Not in the file.", source="import", batch="ids")
    report = examples_import(rows=parse_rows([*ROWS, ROWS[0]]), batch="ids", file_format="json")
    in_file = Example.objects.filter(batch="ids").exclude(prompt="Elsewhere.")
    assert report.example_ids == sorted(in_file.values_list("id", flat=True))
    assert already.pk in report.example_ids and len(report.example_ids) == 5
    assert (report.created, report.duplicates) == (4, 2)


def test_a_rejected_import_names_no_example() -> None:
    report = examples_import(rows=parse_rows([*ROWS, {"prompt": ""}]), batch="bad", file_format="json")
    assert report.invalid == 1 and report.example_ids == [] and not Example.objects.exists()


def test_the_upload_api_returns_the_ids_and_the_batch(manager_client: APIClient) -> None:
    content = "".join(json.dumps(row) + "\n" for row in ROWS).encode()
    upload = SimpleUploadedFile("stories.jsonl", content, content_type="application/x-ndjson")
    response = manager_client.post("/api/v1/examples/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["batch"] == "stories"
    assert body["example_ids"] == sorted(Example.objects.filter(batch="stories").values_list("id", flat=True))
