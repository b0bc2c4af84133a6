"""The manager's web app in Chromium: data in, a queue out, agreement, review, training, docs.

Each test signs in as a manager and goes through the pages the way a person would; the
screenshots land in ``var/screenshots/manager-*.png``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from rest_framework.authtoken.models import Token

from gauntlet.accounts.models import User
from gauntlet.audit.actions import AuditAction
from gauntlet.audit.models import AuditRecord
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue, WorkItem
from ml_worker import runtime
from ml_worker.models import ClassifierVersion, VersionStatus
from tests.browser.conftest import expect, screenshot, sign_in_fast
from tests.factories import new_contractor, new_manager
from tests.labeling.conftest import work_through

GOOD_ROWS = [
    {
        "prompt": f"Ann walked her dog {n}. The dog saw a cat. The cat ran.",
        "completion": f"The dog slept {n}.",
    }
    for n in range(6)
]
TINY_CONFIG = {
    "epochs": 2,
    "lr": 3e-3,
    "batch_size": 16,
    "max_length": 48,
    "device": "cpu",
    "seed": 0,
    "early_stopping_patience": None,
    "checkpoint_every": 1000,
}


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


# An image's width once it has loaded (-1 if it failed): figures are drawn by the server on request.
LOADED_WIDTH = """img => img.complete && img.naturalWidth ? img.naturalWidth : new Promise(done => {
  img.addEventListener("load", () => done(img.naturalWidth));
  img.addEventListener("error", () => done(-1));
})"""


def _upload(page: Any, name: str, content: bytes) -> None:
    page.goto("/manage/data/upload/")
    page.get_by_label("File (.jsonl or .csv)").set_input_files(
        {"name": name, "mimeType": "application/x-ndjson", "buffer": content}
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name=re.compile("Import report"))).to_be_visible()


def test_an_upload_with_one_bad_row_is_reported_and_lands_nothing(page: Any, live_server: Any) -> None:
    sign_in_fast(page, live_server, new_manager())
    rows = [*GOOD_ROWS[:3], {"prompt": "", "completion": "Nobody wrote a prompt."}, GOOD_ROWS[3]]
    _upload(page, "one-bad.jsonl", _jsonl(rows))
    bad_rows = page.get_by_role("table", name="Bad rows")
    expect(bad_rows.get_by_role("row")).to_have_count(2)  # header + the one bad row
    expect(bad_rows).to_contain_text("prompt must not be empty")
    expect(bad_rows.get_by_role("cell", name="4", exact=True)).to_be_visible()  # its line in the file
    expect(page.get_by_text("nothing imported")).to_be_visible()
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    screenshot(page, "manager-upload-bad-row", narrow=True)


def test_a_good_file_becomes_an_open_queue_that_contractors_claim_and_managers_review(
    page: Any, live_server: Any, new_page: Any
) -> None:
    manager = new_manager()
    sign_in_fast(page, live_server, manager)
    _upload(page, "stories.jsonl", _jsonl(GOOD_ROWS))
    expect(page.get_by_text("6 examples are in batch")).to_be_visible()
    screenshot(page, "manager-upload-report")

    # The report's button opens the examples filtered to the batch; the queue is made from it.
    page.get_by_role("link", name="Make a queue from this batch").click()
    expect(page.get_by_role("heading", name="6 examples")).to_be_visible()
    screenshot(page, "manager-examples", narrow=True)
    page.get_by_label("Queue name").fill("Stories: injury labels")
    page.get_by_role("button", name="Create queue with 6 items").click()
    expect(page.get_by_role("heading", name="Stories: injury labels")).to_be_visible()
    expect(page.locator("[data-queue-state]")).to_have_text("open")
    queue = Queue.objects.get(name="Stories: injury labels")
    assert WorkItem.objects.filter(queue=queue).count() == 6

    # A contractor claims from it through the API a client uses, and the manager sees the lease.
    raters = [new_contractor() for _ in range(3)]
    token = Token.objects.create(user=raters[0]).key
    contractor_page = new_page()
    claim = contractor_page.request.post(
        f"{live_server.url}/api/v1/queues/{queue.pk}/claim/", headers={"Authorization": f"Token {token}"}
    )
    assert claim.status == 200, claim.text()
    assignment_id = claim.json()["assignment"]["id"]
    page.reload()
    expect(page.locator("[data-figure=active]")).to_contain_text("1")
    expect(page.locator("[data-figure=leased]")).to_contain_text("1")
    screenshot(page, "manager-queue-live")
    submit = contractor_page.request.post(
        f"{live_server.url}/api/v1/assignments/{assignment_id}/submit/",
        headers={"Authorization": f"Token {token}"},
        data={"label": "not_injurious"},
    )
    assert submit.status == 200, submit.text()

    # Three raters finish the queue (the first one's remaining items too).
    answers = ["not_injurious", "injurious", "not_injurious"]

    def answer_for(n: int) -> Any:
        return lambda item: {"label": answers[(item.pk + n) % 3]}

    for n, rater in enumerate(raters):
        work_through(queue, rater, answer_for(n))

    # The agreement page shows the figures the API gives for the same queue.
    # The first agreement report of the process imports crowd-kit and pandas (seconds on this CPU).
    page.goto(f"/manage/queues/{queue.pk}/agreement/", timeout=60_000)
    api = page.request.get(f"{live_server.url}/api/v1/queues/{queue.pk}/agreement/").json()
    for key in ("fleiss_kappa", "krippendorff_alpha", "percent_agreement"):
        shown = page.locator(f"[data-figure={key}] .value").inner_text()
        assert shown == ("–" if api[key] is None else f"{api[key]:.3f}"), (key, shown, api[key])
    expect(page.get_by_role("table", name="Per-rater figures").get_by_role("row")).to_have_count(4)
    heatmap = page.get_by_role("img", name=re.compile("Dawid–Skene"))
    expect(heatmap).to_be_visible(timeout=30_000)
    assert heatmap.evaluate(LOADED_WIDTH) > 0
    screenshot(page, "manager-agreement")
    page.get_by_role("link", name=raters[0].email).click()
    expect(page.get_by_role("heading", name=f"Rater audit: {raters[0].email}")).to_be_visible()
    screenshot(page, "manager-rater-audit")

    # Bulk approval pays: the payments page shows the ledger before and after.
    page.goto("/manage/payments/")
    expect(page.get_by_text("The ledger is empty.")).to_be_visible()
    page.goto(f"/manage/review/?queue={queue.pk}")
    submitted = Assignment.objects.filter(queue=queue, status=AssignmentStatus.SUBMITTED).count()
    expect(page.get_by_role("heading", name=f"{submitted} awaiting review")).to_be_visible()
    screenshot(page, "manager-review")
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text(f"{submitted} assignments approved.")).to_be_visible()
    page.goto("/manage/payments/")
    earned = page.locator(f'[data-total="{raters[0].email}"]')
    per_rater = Assignment.objects.filter(queue=queue, contractor=raters[0]).count()
    expect(earned).to_have_text(f"{Decimal('0.10') * per_rater:.2f}")
    screenshot(page, "manager-payments")
    page.goto("/manage/queues/")
    expect(page.get_by_role("link", name="Stories: injury labels")).to_be_visible()
    screenshot(page, "manager-queues")


@pytest.fixture
def tiny_active_version(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ClassifierVersion]:
    """A tiny random classifier registered and active, with models and artifacts under tmp_path."""
    from tests.ml_worker.core import toy

    cache, media = tmp_path / "model-cache", tmp_path / "media"
    monkeypatch.setenv("GAUNTLET_MODEL_CACHE", str(cache))
    monkeypatch.setenv("GAUNTLET_CLASSIFIER_MAX_LENGTH", "48")
    settings.GAUNTLET_MODEL_CACHE = cache
    settings.GAUNTLET_CLASSIFIER_MAX_LENGTH = 48
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}
    settings.STORAGES = {**settings.STORAGES, "default": backend, "artifacts": backend}
    settings.MEDIA_ROOT = str(media)
    storages._storages = {}  # type: ignore[attr-defined]  # re-read STORAGES
    runtime.reset()
    checkpoint = toy.write_tiny_classifier(tmp_path / "tiny")
    yield ClassifierVersion.objects.create(
        name="tiny",
        artifact_uri=str(checkpoint),
        base_model="tiny-bert",
        status=VersionStatus.ACTIVE,
        threshold=0.5,
    )
    runtime.reset()
    storages._storages = {}  # type: ignore[attr-defined]


def test_a_training_run_on_a_tiny_model_finishes_and_is_promoted(
    page: Any, live_server: Any, tiny_active_version: ClassifierVersion
) -> None:
    from tests.ml_worker.factories import labelled_examples

    labelled_examples(60, seed=3)
    manager: User = new_manager()
    sign_in_fast(page, live_server, manager)
    page.goto("/manage/classifiers/")
    page.get_by_label("Start from").select_option(label=str(tiny_active_version))
    page.get_by_label("New version name").fill("tiny-retrained")
    page.get_by_label("More training options (JSON)").fill(json.dumps(TINY_CONFIG))
    screenshot(page, "manager-classifiers")
    page.get_by_role("button", name="Start training").click(timeout=120_000)
    expect(page.locator("[data-run-status]")).to_have_text("Succeeded", timeout=120_000)
    expect(page.get_by_role("table", name="Epochs").get_by_role("row")).to_have_count(3)  # header + 2 epochs
    screenshot(page, "manager-training-run")
    page.get_by_role("link", name="Open tiny-retrained").click()
    expect(page.locator("[data-version-status]")).to_have_text("ready")
    page.get_by_role("button", name="Promote to active").click(timeout=60_000)
    expect(page.locator("[data-version-status]")).to_have_text("active", timeout=60_000)
    expect(page.get_by_text("tiny-retrained is now the active classifier.")).to_be_visible()
    roc = page.get_by_role("img", name="ROC curve of tiny-retrained")
    assert roc.evaluate(LOADED_WIDTH) > 0
    screenshot(page, "manager-classifier-promoted")
    assert ClassifierVersion.objects.get(name="tiny-retrained").status == VersionStatus.ACTIVE
    # The promotion's audit record names the manager who clicked.
    promoted = AuditRecord.objects.filter(action=AuditAction.CLASSIFIER_PROMOTE).latest("at")
    assert promoted.actor_id == manager.pk


def test_the_api_docs_render_their_operations_offline(page: Any, live_server: Any) -> None:
    sign_in_fast(page, live_server, new_manager())
    page.goto("/api/v1/docs/", timeout=60_000)  # Swagger UI's bundle is ~1.5 MB; the schema is big too
    # Swagger UI drew the operations list from the schema; every asset came from this server
    # (the loopback guard fails the test on any other request).
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/examples/").first).to_be_visible(
        timeout=30_000
    )
    assert page.locator(".opblock").count() > 50
    screenshot(page, "manager-api-docs")


def test_the_attack_pages_show_their_figures(page: Any, live_server: Any) -> None:
    sign_in_fast(page, live_server, new_manager())
    page.goto("/manage/attacks/", timeout=60_000)
    for name in ("Bar chart", "Heatmap"):
        figure = page.get_by_role("img", name=re.compile(name))
        assert figure.evaluate(LOADED_WIDTH) > 0, name
    screenshot(page, "manager-attacks")
    page.get_by_role("link", name="Launch a paraphrase batch").click()
    expect(page.get_by_label("Verification queue")).to_be_visible()
    screenshot(page, "manager-paraphrase-launch")


def test_the_upload_bar_follows_a_gzip_upload_and_its_background_import_to_the_report(
    page: Any, live_server: Any, local_storage: None
) -> None:
    """Issue 17: the upload's bytes, then the import job's rows, then the report, on one page."""
    import gzip

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from labeling.models import Example, ImportJob
    from labeling.services.imports.jobs import import_job_run

    sign_in_fast(page, live_server, new_manager())
    rows = [
        {"prompt": f"Row {n}: Eve climbed the fence.", "completion": f"She tore her sleeve {n}."}
        for n in range(1500)
    ]
    page.goto("/manage/data/upload/")
    page.get_by_label("File (.jsonl or .csv)").set_input_files(
        {"name": "fence.jsonl.gz", "mimeType": "application/gzip", "buffer": gzip.compress(_jsonl(rows))}
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("status").filter(has_text="Imported: 1500 of 1500 rows")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Upload progress")).to_have_attribute("value", "100")
    expect(page.get_by_role("progressbar", name="Import progress")).to_have_attribute("value", "100")
    expect(page.get_by_text("1500 examples are in batch “fence”")).to_be_visible()
    assert Example.objects.filter(batch="fence").count() == 1500

    # A job a worker is still writing: its page shows how far it is, then follows it to the report.
    source = default_storage.save("imports/later.jsonl", ContentFile(_jsonl(rows[:200])))
    job = ImportJob.objects.create(
        source=source, source_name="later.jsonl", format="jsonl", batch="later", state="landing",
        rows_checked=200, rows_total=200, rows_landed=0, valid=200,
    )  # fmt: skip
    ImportJob.objects.filter(pk=job.pk).update(rows_landed=50)  # as the worker records each chunk
    page.goto(f"/manage/data/imports/{job.pk}/")
    expect(page.get_by_role("progressbar", name="Import progress")).to_have_attribute("value", "25")
    expect(page.get_by_text("Writing rows: 50 of 200 (25%)")).to_be_visible()
    screenshot(page, "manager-import-progress", narrow=True)
    job.refresh_from_db()
    import_job_run(job=job)  # the worker finishes (resuming after the 50 rows it recorded)
    expect(page.get_by_role("heading", name=re.compile("Import report"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Imported: 200 of 200 rows")).to_be_visible()
    screenshot(page, "manager-import-done", narrow=True)
