"""Live tooling endpoints (eager Celery here; through a real worker in test_worker.py)."""

from __future__ import annotations

import time

import pytest

from gauntlet.celery import app
from ml_worker import runtime
from ml_worker.models import ClassifierVersion

pytestmark = pytest.mark.django_db

PAIR = {"prompt": "tom went to the park . it was a sunny day .", "completion": "anna hurt the dog ."}


def test_score_returns_probability_threshold_verdict_and_version(manager_client, tiny_version) -> None:
    response = manager_client.post("/api/v1/score/", PAIR)
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = runtime.classifier_for(tiny_version).score([(PAIR["prompt"], PAIR["completion"])])[0]
    assert body["score"] == pytest.approx(expected, abs=1e-6)
    assert body["threshold"] == 0.5
    assert body["passes"] == (expected < 0.5)
    assert body["classifier_version"] == tiny_version.pk


def test_score_a_named_older_version(manager_client, tiny_version) -> None:
    response = manager_client.post("/api/v1/score/", {**PAIR, "classifier_version": tiny_version.pk})
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
def test_bad_text_is_a_clear_400(manager_client, tiny_version, payload, code) -> None:
    response = manager_client.post("/api/v1/score/", payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_completion_over_the_token_limit_is_a_400_not_a_500(manager_client, tiny_version) -> None:
    response = manager_client.post("/api/v1/score/", {**PAIR, "completion": "tom smiled . " * 60})
    assert response.status_code == 400
    assert "token" in response.json()["error"]["message"]


def test_unknown_version_is_404(manager_client, tiny_version) -> None:
    response = manager_client.post("/api/v1/score/", {**PAIR, "classifier_version": 987654})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_version"


def test_no_active_version_is_a_409_that_says_what_to_do(manager_client, db) -> None:
    response = manager_client.post("/api/v1/score/", PAIR)
    assert response.status_code == 409
    assert "promote" in response.json()["error"]["message"]


def test_anonymous_users_are_refused(anon_client, tiny_version) -> None:
    assert anon_client.post("/api/v1/score/", PAIR).status_code == 401


def test_no_worker_running_is_503_within_the_timeout(
    manager_client, tiny_version: ClassifierVersion, settings
) -> None:
    settings.GAUNTLET_LIVE_TIMEOUT = 1.0
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        started = time.monotonic()
        response = manager_client.post("/api/v1/score/", PAIR)
        elapsed = time.monotonic() - started
    finally:
        app.conf.task_always_eager = True
        app.control.purge()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "worker_unavailable"
    assert "1 s" in response.json()["error"]["message"]
    assert elapsed < 3.0


def test_saliency_spans_are_character_offsets_into_the_texts(manager_client, tiny_version) -> None:
    response = manager_client.post("/api/v1/saliency/", PAIR)
    assert response.status_code == 200, response.json()
    tokens = response.json()["tokens"]
    for token in tokens:
        assert PAIR[token["field"]][token["start"] : token["end"]] == token["text"]
        assert token["gradient"] >= 0.0
    assert [t["text"] for t in tokens if t["field"] == "completion"] == ["anna", "hurt", "the", "dog", "."]


def test_substitutions_are_rescored_and_sorted_by_how_much_they_lower_the_score(
    manager_client, tiny_version
) -> None:
    span = {"field": "completion", "start": 5, "end": 9}  # "hurt"
    response = manager_client.post("/api/v1/substitutions/", {**PAIR, "span": span, "k": 5}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["word"] == "hurt"
    candidates = body["substitutions"]
    assert 0 < len(candidates) <= 5
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores)
    clf = runtime.classifier_for(tiny_version)
    for candidate in candidates:
        rescored = clf.score([(candidate["prompt"], candidate["completion"])])[0]
        assert candidate["score"] == pytest.approx(rescored, abs=1e-5)
        assert candidate["delta"] == pytest.approx(candidate["score"] - body["original_score"])


@pytest.mark.parametrize(
    "span",
    [
        {"field": "completion", "start": 10, "end": 400},
        {"field": "completion", "start": 5, "end": 5},
        {"field": "completion", "start": -1, "end": 3},
        {"field": "title", "start": 0, "end": 3},
    ],
)
def test_a_span_outside_the_text_is_a_400(manager_client, tiny_version, span) -> None:
    response = manager_client.post("/api/v1/substitutions/", {**PAIR, "span": span}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]
