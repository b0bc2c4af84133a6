"""Imports that scale (issue 17): gzip, bodies past Django's in-memory limit, streamed CSV and JSONL,
bad rows reported per row, and the background import job with its progress API."""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from labeling.models import Example, ImportJob

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/examples/import-jobs/"
IMPORT = "/api/v1/examples/import/"


def rows(n: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {
            "prompt": f"Story {i}: Dana climbed the old ladder to fix the roof before the rain came.",
            "completion": f"Row {i}. The ladder slipped and Dana fell, breaking her wrist on the patio stones.",
            "id": f"r{i}",
        }
        for i in range(start, start + n)
    ]


def jsonl(values: list[Any]) -> bytes:
    return "".join(json.dumps(value) + "\n" for value in values).encode()


def csv_bytes(values: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=("id", "prompt", "completion"))
    writer.writeheader()
    writer.writerows(values)
    return out.getvalue().encode()


def send(client: APIClient, method: str, url: str, body: bytes, **extra: Any) -> Any:
    """A raw body, sent as it is (the test client's signature says str; bytes go through untouched)."""
    return cast(Any, client).generic(method, url, body, **extra)


def start_job(client: APIClient, name: str, content: bytes, **fields: object) -> Any:
    return client.post(JOBS, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart")


@pytest.fixture(autouse=True)
def _stored_uploads(local_storage: None) -> None:
    """Uploads are stored in a temporary directory (default storage)."""


def test_a_json_body_over_2_5_mb_imports_all_its_rows(manager_client: APIClient) -> None:
    body = {"rows": rows(20_000), "batch": "big-json"}
    encoded = json.dumps(body).encode()
    assert len(encoded) > 2.5 * 1024 * 1024  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE refused this before
    response = send(manager_client, "POST", IMPORT, encoded, content_type="application/json")
    assert response.status_code == 201, response.content[:500]
    assert response.json()["created"] == 20_000 and response.json()["format"] == "json"
    assert Example.objects.filter(batch="big-json").count() == 20_000


def test_a_gzip_json_body_and_a_gzip_file_are_accepted(manager_client: APIClient) -> None:
    body = gzip.compress(json.dumps({"rows": rows(50), "batch": "gz-body"}).encode())
    response = send(
        manager_client, "POST", IMPORT, body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 50
    upload = SimpleUploadedFile("stories.jsonl.gz", gzip.compress(jsonl(rows(30, 100))))
    response = manager_client.post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["batch"] == "stories"  # the name without .jsonl.gz
    assert Example.objects.filter(batch="stories").count() == 30


def test_a_raw_gzip_csv_body_imports_with_options_in_the_query(manager_client: APIClient) -> None:
    body = gzip.compress(csv_bytes(rows(40)))
    response = send(
        manager_client,
        "POST",
        f"{IMPORT}?batch=raw-csv",
        body,
        content_type="text/csv",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 40 and response.json()["format"] == "csv"


def test_a_corrupt_gzip_body_is_a_400_that_says_so(manager_client: APIClient) -> None:
    body = gzip.compress(jsonl(rows(10)))[:-20] + b"garbage!"
    response = send(
        manager_client,
        "POST",
        IMPORT,
        body,
        content_type="application/x-ndjson",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 400
    assert "gzip" in response.json()["error"]["message"]
    assert Example.objects.count() == 0


def test_an_unsupported_content_encoding_is_refused(manager_client: APIClient) -> None:
    response = send(
        manager_client, "POST", IMPORT, b"xx", content_type="application/json", HTTP_CONTENT_ENCODING="br"
    )
    assert response.status_code == 400 and "Content-Encoding" in response.json()["error"]["message"]


def test_a_job_imports_a_streamed_jsonl_file_and_reports_progress(
    manager_client: APIClient, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.GAUNTLET_IMPORT_CHUNK_SIZE = 100
    with django_capture_on_commit_callbacks(execute=True):
        response = start_job(manager_client, "week-12.jsonl", jsonl(rows(1_050)))
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    polled = manager_client.get(f"{JOBS}{job_id}/").json()
    assert polled["state"] == "succeeded" and polled["finished"] and polled["progress"] == 1.0
    assert (polled["rows_total"], polled["rows_landed"], polled["created"]) == (1_050, 1_050, 1_050)
    assert polled["batch"] == "week-12" and polled["bytes_done"] == polled["bytes_total"] > 0
    ids = list(Example.objects.filter(batch="week-12").values_list("id", flat=True))
    assert (polled["first_example_id"], polled["last_example_id"]) == (min(ids), max(ids))


def test_a_job_streams_a_gzip_csv_and_a_rerun_finds_only_duplicates(
    manager_client: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    content = gzip.compress(csv_bytes(rows(300)))
    with django_capture_on_commit_callbacks(execute=True):
        first = start_job(manager_client, "rows.csv.gz", content, batch="csv-job")
        again = start_job(manager_client, "rows.csv.gz", content, batch="csv-job")
    first_job = manager_client.get(f"{JOBS}{first.json()['id']}/").json()
    again_job = manager_client.get(f"{JOBS}{again.json()['id']}/").json()
    assert (first_job["format"], first_job["created"]) == ("csv", 300)
    assert (again_job["created"], again_job["duplicates"]) == (0, 300)
    assert Example.objects.filter(batch="csv-job").count() == 300


def test_a_job_with_a_bad_row_is_rejected_per_row_and_writes_nothing(
    manager_client: APIClient, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.GAUNTLET_IMPORT_CHUNK_SIZE = 50
    values: list[Any] = rows(400)
    values[299] = {"prompt": "", "completion": "no prompt"}
    values[350] = ["not", "an", "object"]
    with django_capture_on_commit_callbacks(execute=True):
        response = start_job(manager_client, "bad.jsonl", jsonl(values))
    job = manager_client.get(f"{JOBS}{response.json()['id']}/").json()
    assert job["state"] == "rejected"
    assert job["row_errors"] == [
        {"row": 300, "field": "prompt", "reason": "prompt must not be empty"},
        {"row": 351, "field": "row", "reason": "must be a JSON object, not list"},
    ]
    assert (job["rows_total"], job["invalid"], job["rows_landed"], job["created"]) == (400, 2, 0, 0)
    assert Example.objects.count() == 0  # checked before any row was written
    with django_capture_on_commit_callbacks(execute=True):
        skipped = start_job(manager_client, "bad.jsonl", jsonl(values), skip_invalid="true")
    job = manager_client.get(f"{JOBS}{skipped.json()['id']}/").json()
    assert (job["state"], job["created"], job["rows_landed"]) == ("succeeded", 398, 400)


def test_an_interrupted_job_resumes_after_the_rows_it_recorded(settings: Any, local_storage: None) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from labeling.services.imports.jobs import import_job_run

    source = default_storage.save("imports/resume.jsonl", ContentFile(jsonl(rows(250))))
    job = ImportJob.objects.create(
        source=source, source_name="resume.jsonl", format="jsonl", batch="resume", state="landing",
        rows_checked=250, rows_total=250, rows_landed=100, valid=250,
    )  # fmt: skip
    import_job_run(job=job)
    job.refresh_from_db()
    assert (job.state, job.rows_landed, job.created) == ("succeeded", 250, 150)
    assert set(Example.objects.values_list("external_id", flat=True)) == {f"r{i}" for i in range(100, 250)}


def test_the_job_api_is_for_managers_and_names_what_to_send(
    manager_client: APIClient, contractor_client: APIClient
) -> None:
    assert start_job(contractor_client, "rows.jsonl", jsonl(rows(1))).status_code == 403
    assert manager_client.get(f"{JOBS}999999/").status_code == 404
    nothing = manager_client.post(JOBS, {}, format="json")
    assert nothing.status_code == 400 and nothing.json()["error"]["code"] == "validation_error"
    pdf = start_job(manager_client, "rows.pdf", b"%PDF")
    assert pdf.status_code == 400 and pdf.json()["error"]["code"] == "import_unreadable"


def test_an_upload_over_the_limit_is_refused_before_anything_is_stored(
    manager_client: APIClient, settings: Any
) -> None:
    settings.GAUNTLET_IMPORT_MAX_UPLOAD_BYTES = 1000
    big = jsonl(rows(20))
    assert len(big) > 1000
    response = start_job(manager_client, "big.jsonl", big)
    assert (
        response.status_code == 400
        and "GAUNTLET_IMPORT_MAX_UPLOAD_BYTES" in response.json()["error"]["message"]
    )
    raw = send(manager_client, "POST", JOBS, big, content_type="application/x-ndjson")
    assert raw.status_code == 400 and "larger than" in raw.json()["error"]["message"]
    assert ImportJob.objects.count() == 0


def test_the_command_imports_a_gzip_file_and_says_when_it_is_not_gzip(tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    path = tmp_path / "week-3.csv.gz"
    path.write_bytes(gzip.compress(csv_bytes(rows(25))))
    out = io.StringIO()
    call_command("import_examples", str(path), "--json", "--no-progress", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["batch"], report["format"], report["created"]) == ("week-3", "csv", 25)
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"this is not gzip at all\n")
    with pytest.raises(CommandError, match="not valid gzip"):
        call_command("import_examples", str(broken), "--no-progress", stdout=io.StringIO())
