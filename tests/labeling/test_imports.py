"""Imports through the command and the API: all-or-nothing, per-row errors, idempotent, streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from labeling.models import Example

pytestmark = pytest.mark.django_db

GOOD = [
    {"prompt": "Ann fed the cat.", "completion": "The cat purred.", "id": "r1", "source": "generator"},
    {"prompt": "Bob lit a fire.", "completion": "Bob burned his hand badly.", "label": "injurious"},
    {"prompt": "Cy rode a bike.", "completion": "Cy got home safely.", "label": "not_injurious"},
]


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    columns: tuple[str, ...] = ("id", "prompt", "completion", "source", "label"),
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def run_import(*args: str) -> Any:
    out = io.StringIO()
    call_command("import_examples", *args, "--json", "--no-progress", stdout=out)
    return json.loads(out.getvalue())


def test_jsonl_import_lands_every_row_with_its_fields(tmp_path: Path) -> None:
    report = run_import(str(write_jsonl(tmp_path / "stories.jsonl", GOOD)))
    assert report["created"] == 3 and report["invalid"] == 0 and report["batch"] == "stories"
    bob = Example.objects.get(prompt="Bob lit a fire.")
    assert bob.imported_label == "injurious" and bob.source == "import" and bob.batch == "stories"
    assert Example.objects.get(external_id="r1").source == "generator"


def test_reimporting_the_same_file_creates_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "stories.csv", GOOD)  # type: ignore[arg-type]
    first = run_import(str(path), "--batch", "b1")
    again = run_import(str(path), "--batch", "b1")
    assert (first["created"], first["duplicates"]) == (3, 0)
    assert (again["created"], again["duplicates"]) == (0, 3)
    assert Example.objects.count() == 3


def test_rows_repeated_inside_one_file_land_once(tmp_path: Path) -> None:
    report = run_import(
        str(write_jsonl(tmp_path / "d.jsonl", [GOOD[0], GOOD[1], {**GOOD[0], "id": "again"}]))
    )
    assert (report["created"], report["duplicates"]) == (2, 1)


def test_a_file_with_bad_rows_lands_nothing_and_reports_every_bad_row(tmp_path: Path) -> None:
    rows: list[object] = [
        GOOD[0],
        {"prompt": "", "completion": "x"},  # line 2: empty prompt
        GOOD[1],
        {"prompt": "ok", "completion": "bad\x1bescape", "label": "maybe"},  # line 4: two fields wrong
        [1, 2],  # line 5: not an object
    ]
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with path.open("a") as fh:
        fh.write("{not json\n")  # line 6
    out = io.StringIO()
    with pytest.raises(CommandError, match="4 invalid rows; nothing was imported"):
        call_command("import_examples", str(path), "--no-progress", stdout=out)
    assert Example.objects.count() == 0
    text = out.getvalue()
    assert "row 2: prompt: prompt must not be empty" in text
    assert "row 4: completion: completion contains control character U+001B" in text
    assert "row 4: label: label 'maybe' is not one of injurious, not_injurious, unsure" in text
    assert "row 5: row: must be a JSON object, not list" in text
    assert "row 6: row: is not valid JSON" in text


def test_bad_rows_after_many_committed_chunks_still_roll_everything_back(
    tmp_path: Path, settings: object
) -> None:
    settings.GAUNTLET_IMPORT_CHUNK_SIZE = 2  # type: ignore[attr-defined]
    rows: list[object] = [{"prompt": f"P{i}.", "completion": f"C{i}."} for i in range(9)]
    rows.append({"prompt": "P.", "completion": ""})
    with pytest.raises(CommandError):
        call_command(
            "import_examples",
            str(write_jsonl(tmp_path / "big.jsonl", rows)),
            "--no-progress",
            stdout=io.StringIO(),
        )
    assert Example.objects.count() == 0


def test_skip_invalid_lands_the_good_rows_and_reports_the_rest(tmp_path: Path) -> None:
    rows = [*GOOD, {"prompt": "x", "completion": "y", "source": "nowhere"}]
    path = write_csv(tmp_path / "mixed.csv", rows)  # type: ignore[arg-type]
    report = run_import(str(path), "--skip-invalid")
    assert (report["created"], report["invalid"]) == (3, 1)
    assert report["row_errors"] == [
        {
            "row": 5,
            "field": "source",
            "reason": "source 'nowhere' is not one of generator, manual, tool_assisted, paraphrase, word_attack, import",
        }
    ]
    assert Example.objects.count() == 3


def test_csv_with_quoted_newlines_and_a_bom_imports(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes('\ufeffprompt,completion\n"Line one,\nline two.",Fine.\n'.encode())
    report = run_import(str(path))
    assert report["created"] == 1
    assert Example.objects.get().prompt == "Line one,\nline two."


def test_csv_without_the_required_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("text,answer\na,b\n")
    with pytest.raises(
        CommandError, match="must name the columns prompt, completion; missing prompt, completion"
    ):
        run_import(str(path))


def test_undecodable_bytes_are_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"prompt,completion\nCaf\xe9 fire.,It burned.\n")
    with pytest.raises(CommandError):
        run_import(str(path))
    report = run_import(str(path), "--skip-invalid")
    assert report["row_errors"][0]["row"] == 2 and "not valid UTF-8" in report["row_errors"][0]["reason"]


def test_import_from_s3_streams_the_object(s3_storage: str, tmp_path: Path) -> None:
    from gauntlet.common.storage import artifact_storage

    client = artifact_storage().connection.meta.client  # type: ignore[attr-defined]
    body = "".join(json.dumps(row) + "\n" for row in GOOD).encode()
    client.put_object(Bucket=s3_storage, Key="imports/s3rows.jsonl", Body=body)
    report = run_import(f"s3://{s3_storage}/imports/s3rows.jsonl", "--batch", "from-s3")
    assert report["created"] == 3
    assert set(Example.objects.values_list("batch", flat=True)) == {"from-s3"}
    with pytest.raises(CommandError, match="cannot read"):
        run_import(f"s3://{s3_storage}/imports/missing.jsonl")
    assert isinstance(boto3.__version__, str)


def test_unknown_extension_needs_a_format(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "rows.txt", GOOD)
    with pytest.raises(CommandError, match="cannot tell the format"):
        run_import(str(path))
    assert run_import(str(path), "--format", "jsonl")["created"] == 3


# --- the API ---------------------------------------------------------------------


def upload(client: APIClient, name: str, content: bytes, **fields: object) -> Any:
    return client.post(
        "/api/v1/examples/import/", {"file": SimpleUploadedFile(name, content), **fields}, format="multipart"
    )


def test_api_upload_imports_and_is_idempotent(manager_client: APIClient) -> None:
    content = "".join(json.dumps(row) + "\n" for row in GOOD).encode()
    first = upload(manager_client, "rows.jsonl", content, batch="api")
    assert first.status_code == 201, first.json()
    assert first.json()["created"] == 3
    again = upload(manager_client, "rows.jsonl", content, batch="api")
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 3)
    assert Example.objects.filter(batch="api").count() == 3


def test_api_upload_with_bad_rows_is_a_400_listing_them_and_lands_nothing(manager_client: APIClient) -> None:
    content = b"prompt,completion\nok,fine\n,missing prompt\nok2\n"
    response = upload(manager_client, "rows.csv", content)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert "2 of 3 rows are invalid" in error["message"]
    assert error["fields"]["rows"] == [
        {"row": 3, "field": "prompt", "reason": "prompt must not be empty"},
        {"row": 4, "field": "row", "reason": "has 1 fields but the header has 2"},
    ]
    assert Example.objects.count() == 0
    skipped = upload(manager_client, "rows.csv", content, skip_invalid="true")
    assert skipped.status_code == 201 and skipped.json()["created"] == 1 and skipped.json()["invalid"] == 2


def test_api_accepts_rows_as_json(manager_client: APIClient) -> None:
    response = manager_client.post("/api/v1/examples/import/", {"rows": GOOD, "batch": "json"}, format="json")
    assert response.status_code == 201 and response.json()["created"] == 3
    bad = manager_client.post("/api/v1/examples/import/", {"rows": [GOOD[0], "text"]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["rows"] == [
        {"row": 2, "field": "row", "reason": "must be a JSON object, not str"}
    ]


def test_api_needs_a_file_or_rows(manager_client: APIClient) -> None:
    response = manager_client.post("/api/v1/examples/import/", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    unreadable = upload(manager_client, "rows.pdf", b"%PDF")
    assert unreadable.status_code == 400 and unreadable.json()["error"]["code"] == "import_unreadable"


def test_contractors_cannot_import(contractor_client: APIClient, anon_client: APIClient) -> None:
    assert upload(contractor_client, "rows.jsonl", b"{}\n").status_code == 403
    assert upload(anon_client, "rows.jsonl", b"{}\n").status_code in (401, 403)


def test_the_command_shows_a_progress_bar_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    call_command("import_examples", str(write_jsonl(tmp_path / "p.jsonl", GOOD)), stdout=out)
    assert "3 created" in out.getvalue()
    assert "import p" in capsys.readouterr().err  # tqdm's bar, labelled with the batch
