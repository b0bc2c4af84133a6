"""Cross-request batching of concurrent live scores, through a real worker (issue 17).

Requests wait in Redis for the first live task of their version, which scores them in one forward
pass and stores the others' answers; each pass records how many requests it answered.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from ml_worker.services.live.batch_sizes import live_batch_sizes
from tests.conftest import client_for
from tests.services import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PROMPT = "tom went to the park . it was a sunny day ."
EDITS = [f"anna hurt the dog {word} ." for word in ("again", "badly", "today", "there", "once", "twice")] * 3


def test_concurrent_live_scores_share_forward_passes_and_keep_their_own_answers(
    worker: object, manager: Any, tiny_version: Any, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.GAUNTLET_LIVE_TIMEOUT = 30.0  # the first request loads the model in the worker
    solo = {}
    for completion in dict.fromkeys(EDITS):  # one at a time: each its own forward pass
        response = client_for(manager).post("/api/v1/score/", {"prompt": PROMPT, "completion": completion})
        assert response.status_code == 200, response.json()
        solo[completion] = response.json()["score"]
    assert live_batch_sizes(clear=True)[:1] == [1]

    def edit(completion: str) -> Any:
        return client_for(manager).post("/api/v1/score/", {"prompt": PROMPT, "completion": completion})

    responses = run_in_threads([functools.partial(edit, c) for c in EDITS])  # 18 editors at once
    assert [r.status_code for r in responses] == [200] * len(EDITS)
    for completion, response in zip(EDITS, responses, strict=True):
        assert response.json()["score"] == pytest.approx(
            solo[completion], abs=1e-4
        )  # padding changes nothing
    sizes = live_batch_sizes()
    assert max(sizes) > 1, sizes  # one worker, 18 waiting requests: passes answered several at once
    assert len(sizes) < len(EDITS)  # fewer forward passes than requests
