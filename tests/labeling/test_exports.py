"""Consensus dataset exports: JSONL, CSV, Hugging Face JSONL + card, manifest; local and S3."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Queue
from labeling.models import Example
from tests.labeling.conftest import make_queue

pytestmark = pytest.mark.django_db

Scenario = tuple[Queue, list[Example], list[User]]


def export(*args: str) -> Any:
    out = io.StringIO()
    call_command("export_dataset", *args, stdout=out)
    return json.loads(out.getvalue())


def test_jsonl_export_has_decided_rows_and_a_manifest(scenario: Scenario, tmp_path: Path) -> None:
    queue, examples, _ = scenario
    manifest = export("--queue", str(queue.pk), "--output", str(tmp_path / "out"))
    rows = [json.loads(line) for line in (tmp_path / "out" / "data.jsonl").read_text().splitlines()]
    assert [(r["example_id"], r["label"]) for r in rows] == [
        (examples[0].pk, "injurious"),
        (examples[1].pk, "not_injurious"),
        (examples[3].pk, "not_injurious"),
    ]  # e2 is undecided and left out
    assert rows[1]["confidence"] == pytest.approx(2 / 3) and rows[1]["n_labels"] == 3
    assert rows[0]["prompt"] == examples[0].prompt and rows[0]["source"] == "generator"
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    for m in (manifest, on_disk):
        assert m["rows"] == 3 and m["label_counts"] == {"injurious": 1, "not_injurious": 2}
        assert m["label_balance"] == {
            "injurious": pytest.approx(1 / 3),
            "not_injurious": pytest.approx(2 / 3),
        }
        assert m["sources"] == {"generator": 3} and m["queue_ids"] == [queue.pk]
        assert m["excluded_undecided"] == 1 and m["created_at"]


def test_csv_export(scenario: Scenario, tmp_path: Path) -> None:
    queue = scenario[0]
    export("--queue", str(queue.pk), "--format", "csv", "--output", str(tmp_path))
    with (tmp_path / "data.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and rows[0]["label"] == "injurious" and rows[0]["n_labels"] == "3"


def test_hugging_face_export_has_text_pairs_binary_labels_and_a_card(
    scenario: Scenario, tmp_path: Path
) -> None:
    queue, examples, _ = scenario
    manifest = export("--queue", str(queue.pk), "--format", "hf", "--output", str(tmp_path))
    rows = [json.loads(line) for line in (tmp_path / "data.jsonl").read_text().splitlines()]
    assert rows[0]["text"] == examples[0].prompt and rows[0]["text_pair"] == examples[0].completion
    assert [r["label"] for r in rows] == [1, 0, 0]
    card = (tmp_path / "README.md").read_text()
    assert card.startswith("---\n") and "class_label" in card and "'1': injurious" in card
    assert "rows: 3 (1 injurious, 2 not injurious)" in card
    assert manifest["files"] == ["data.jsonl", "README.md", "manifest.json"]


def test_unknown_queue_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no queue with id 987654"):
        export("--queue", "987654", "--output", str(tmp_path))


def test_api_export_to_s3(scenario: Scenario, manager_client: APIClient, s3_storage: str) -> None:
    from gauntlet.common.storage import artifact_storage

    queue = scenario[0]
    client = artifact_storage().connection.meta.client  # type: ignore[attr-defined]
    response = manager_client.post(
        f"/api/v1/queues/{queue.pk}/export/",
        {"format": "hf", "output": f"s3://{s3_storage}/sets/v1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["uris"] == [
        f"s3://{s3_storage}/sets/v1/{n}" for n in ("data.jsonl", "README.md", "manifest.json")
    ]
    body = client.get_object(Bucket=s3_storage, Key="sets/v1/manifest.json")["Body"].read()
    assert json.loads(body)["rows"] == 3

    default = manager_client.post(f"/api/v1/queues/{queue.pk}/export/", {"format": "csv"}, format="json")
    assert default.status_code == 201
    assert default.json()["uris"][0].startswith(f"s3://{s3_storage}/exports/datasets/queue-{queue.pk}/")


def test_api_export_refuses_local_paths_and_other_kinds(
    scenario: Scenario, manager: User, manager_client: APIClient
) -> None:
    queue = scenario[0]
    response = manager_client.post(f"/api/v1/queues/{queue.pk}/export/", {"output": "/etc"}, format="json")
    assert response.status_code == 400 and "output" in response.json()["error"]["fields"]
    bad_format = manager_client.post(f"/api/v1/queues/{queue.pk}/export/", {"format": "xml"}, format="json")
    assert bad_format.status_code == 400
    comparisons = make_queue(manager, kind="quality_comparison")
    wrong = manager_client.post(f"/api/v1/queues/{comparisons.pk}/export/", {}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_queue_kind"


def test_api_export_to_local_artifact_storage(
    scenario: Scenario, manager_client: APIClient, local_storage: None
) -> None:
    queue = scenario[0]
    response = manager_client.post(f"/api/v1/queues/{queue.pk}/export/", {}, format="json")
    assert response.status_code == 201
    path = Path(response.json()["uris"][0].removeprefix("file://"))
    assert path.name == "data.jsonl" and len(path.read_text().splitlines()) == 3
