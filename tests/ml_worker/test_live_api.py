"""Live tooling endpoints (eager Celery here; through a real worker in test_worker.py)."""

from __future__ import annotations

import time

import pytest

from gauntlet.celery import app
from ml_worker import runtime
from ml_worker.models import ClassifierVersion

pytestmark = pytest.mark.django_db

PAIR = {"prompt": "tom went to the park . it was a sunny day .", "completion": "anna hurt the dog ."}


def test_score_returns_probability_threshold_verdict_and_version(contractor_client, tiny_version) -> None:
    response = contractor_client.post("/api/v1/score/", PAIR)
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = runtime.classifier_for(tiny_version).score([(PAIR["prompt"], PAIR["completion"])])[0]
    assert body["score"] == pytest.approx(expected, abs=1e-6)
    assert body["threshold"] == 0.5
    assert body["passes"] == (expected < 0.5)
    assert body["classifier_version"] == tiny_version.pk


def test_score_a_named_older_version(contractor_client, tiny_version) -> None:
    response = contractor_client.post("/api/v1/score/", {**PAIR, "classifier_version": tiny_version.pk})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({**PAIR, "completion": ""}, "invalid_text"),
        ({**PAIR, "prompt": "   "}, "invalid_text"),
        ({**PAIR, "completion": "x" * 5000}, "text_too_long"),
        ({"prompt": "only a prompt"}, "validation_error"),
    ],
)
def test_bad_text_is_a_clear_400(contractor_client, tiny_version, payload, code) -> None:
    response = contractor_client.post("/api/v1/score/", payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_completion_over_the_token_limit_is_a_400_not_a_500(contractor_client, tiny_version) -> None:
    response = contractor_client.post("/api/v1/score/", {**PAIR, "completion": "tom smiled . " * 60})
    assert response.status_code == 400
    assert "token" in response.json()["error"]["message"]


def test_unknown_version_is_404(contractor_client, tiny_version) -> None:
    response = contractor_client.post("/api/v1/score/", {**PAIR, "classifier_version": 987654})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_version"


def test_no_active_version_is_a_409_that_says_what_to_do(contractor_client, db) -> None:
    response = contractor_client.post("/api/v1/score/", PAIR)
    assert response.status_code == 409
    assert "promote" in response.json()["error"]["message"]


def test_anonymous_users_are_refused(anon_client, tiny_version) -> None:
    assert anon_client.post("/api/v1/score/", PAIR).status_code == 401


def test_no_worker_running_is_503_within_the_timeout(
    contractor_client, tiny_version: ClassifierVersion, settings
) -> None:
    settings.GAUNTLET_LIVE_TIMEOUT = 1.0
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        started = time.monotonic()
        response = contractor_client.post("/api/v1/score/", PAIR)
        elapsed = time.monotonic() - started
    finally:
        app.conf.task_always_eager = True
        app.control.purge()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "worker_unavailable"
    assert "1 s" in response.json()["error"]["message"]
    assert elapsed < 3.0
