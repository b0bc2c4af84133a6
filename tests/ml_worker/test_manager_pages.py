"""Manager pages render for a manager, refuse a contractor, and do what their buttons say."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Queue, QueueState, WorkItem
from labeling.models import Example
from tests.factories import new_contractor, new_manager

pytestmark = pytest.mark.django_db

PAGES = [
    "/manage/data/upload/",
    "/manage/data/examples/",
    "/manage/queues/",
    "/manage/queues/new/",
    "/manage/review/",
    "/manage/classifiers/",
    "/manage/payments/",
    "/manage/attacks/",
    "/manage/attacks/examples/",
    "/manage/attacks/paraphrases/new/",
]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_every_manager_page_renders_for_managers_only(path: str) -> None:
    assert _client(new_manager()).get(path).status_code == 200
    assert _client(new_contractor()).get(path).status_code == 403
    assert Client().get(path).status_code == 302  # to sign in


def _upload(client: Client, name: str, content: bytes, on_commit: Any) -> str:
    """Upload a file as the Data page does; the import job it starts runs (Celery is eager here)
    once the upload commits. Returns the job page's text."""
    with on_commit(execute=True):
        response = client.post("/manage/data/upload/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302 and response["Location"].startswith("/manage/data/imports/")
    return client.get(response["Location"]).content.decode()


def test_upload_lists_the_bad_row_and_lands_nothing(django_capture_on_commit_callbacks: Any) -> None:
    client = _client(new_manager())
    content = b'{"prompt": "A.", "completion": "B."}\n{"prompt": "", "completion": "C."}\n'
    text = _upload(client, "bad.jsonl", content, django_capture_on_commit_callbacks)
    assert "nothing was imported" in text and "prompt must not be empty" in text
    assert not Example.objects.exists()


def test_a_batch_becomes_an_open_queue_in_one_step(django_capture_on_commit_callbacks: Any) -> None:
    client = _client(new_manager())
    content = b"".join(b'{"prompt": "Story %d.", "completion": "End %d."}\n' % (i, i) for i in range(4))
    _upload(client, "good.jsonl", content, django_capture_on_commit_callbacks)
    listing = client.get("/manage/data/examples/", {"batch": "good"})
    assert "4 examples" in listing.content.decode()
    response = client.post(
        "/manage/data/examples/queue/",
        {
            "batch": "good",
            "name": "Good labels",
            "kind": "injury_label",
            "overlap": 3,
            "pay_per_task": "0.10",
            "open_now": "on",
        },
    )
    queue = Queue.objects.get(name="Good labels")
    assert response.status_code == 302 and response["Location"] == f"/manage/queues/{queue.pk}/"
    assert queue.state == QueueState.OPEN and WorkItem.objects.filter(queue=queue).count() == 4
    detail = client.get(response["Location"]).content.decode()
    assert "0 of 12 judgments" in detail


def test_queue_form_shows_field_errors_and_writes_nothing() -> None:
    client = _client(new_manager())
    response = client.post(
        "/manage/queues/new/",
        {
            "name": "Bad",
            "kind": "injury_label",
            "overlap": 0,
            "gold_rate": "2",
            "lease_seconds": 900,
            "pay_mode": "per_task",
            "pay_per_task": "0.10",
            "eligible_qualifications": ["qualified"],
            "kind_settings": "{not json",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Not valid JSON" in text
    assert not Queue.objects.exists()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/manage/attacks/cost.png", "image/png"), ("/manage/attacks/matrix.svg", "image/svg+xml")],
)
def test_attack_figures_render_even_before_any_attack(path: str, content_type: str) -> None:
    response = _client(new_manager()).get(path)
    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert len(response.content) > 1000


def test_queue_form_reports_the_services_field_errors() -> None:
    response = _client(new_manager()).post(
        "/manage/queues/new/",
        {
            "name": "Bad numbers",
            "kind": "injury_label",
            "overlap": 0,
            "gold_rate": "2",
            "lease_seconds": 900,
            "pay_mode": "per_task",
            "pay_per_task": "0.10",
            "currency": "USD",
            "max_minutes_per_task": 30,
            "eligible_qualifications": ["qualified"],
            "kind_settings": "{}",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "overlap" in errors and "gold_rate" in errors
    assert not Queue.objects.exists()
