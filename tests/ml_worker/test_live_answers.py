"""How batched live scores reach their waiters (issue 17): each request blocks on its own answer,
which whichever live task scores it pushes; tasks run in this process here, as a live worker would.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from gauntlet.celery import app
from ml_worker import runtime
from ml_worker.models import ClassifierVersion
from ml_worker.services.live import client
from ml_worker.services.live.batch_sizes import live_batch_sizes
from ml_worker.services.live.batching import answer_wait, live_redis, pending_push
from ml_worker.services.live.compute import live_score_compute

PROMPT = "tom went to the park . it was a sunny day ."


@pytest.fixture
def batching(tiny_version: ClassifierVersion) -> Iterator[None]:
    """Redis batching on (a non-eager app), nothing left waiting from an earlier test."""
    redis = live_redis()
    assert redis is not None
    redis.delete(f"gauntlet:live_score:pending:{tiny_version.pk}")
    live_batch_sizes(clear=True)
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True


def _task(version: ClassifierVersion, request_id: str) -> Any:
    return live_score_compute(prompt=PROMPT, completion="x", version_id=version.pk, request_id=request_id)


def test_one_pass_answers_every_waiting_request_and_skips_those_whose_waiter_gave_up(
    batching: None, tiny_version: ClassifierVersion
) -> None:
    for request_id, completion, timeout in (
        ("a", "anna hurt the dog .", 30.0),
        ("gone", "anna fed the dog .", -1.0),  # its waiter's timeout has passed
        ("b", "anna hugged the dog .", 30.0),
    ):
        pending_push(
            version_id=tiny_version.pk,
            request_id=request_id,
            prompt=PROMPT,
            completion=completion,
            timeout=timeout,
        )
    assert _task(tiny_version, "a") is None  # answers go to the waiters, not into a task result
    a, b = answer_wait(request_id="a", timeout=1), answer_wait(request_id="b", timeout=1)
    assert a is not None and b is not None
    assert a["classifier_version"] == b["classifier_version"] == tiny_version.pk
    assert a["score"] != b["score"]  # each its own pair's score
    assert answer_wait(request_id="gone", timeout=0.1) is None
    assert _task(tiny_version, "b") is None  # b's own task: already answered, nothing to do
    assert live_batch_sizes() == [2]  # one forward pass, of the two live requests


def test_a_pass_that_fails_is_a_server_error_at_once_not_a_503_after_the_timeout(
    batching: None, tiny_version: ClassifierVersion, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.GAUNTLET_LIVE_TIMEOUT = 30.0

    def broken(version: ClassifierVersion) -> Any:
        raise OSError("checkpoint unreadable")

    def inline_worker(name: str) -> Any:
        def apply_async(*, kwargs: dict[str, Any], ignore_result: bool) -> Any:
            try:
                live_score_compute(**kwargs)
            except OSError:
                pass  # the worker logs it; the waiter has been told
            return SimpleNamespace(revoke=lambda: None)

        return SimpleNamespace(apply_async=apply_async)

    monkeypatch.setattr(runtime, "classifier_for", broken)
    monkeypatch.setattr(client, "task_named", inline_worker)
    with pytest.raises(RuntimeError, match="checkpoint unreadable"):
        client.live_score_request(prompt=PROMPT, completion="anna hurt the dog .", version=tiny_version)
