"""Batching concurrent live scores through Redis: a pending list per version, answers per request id.

The web side pushes its request onto the version's pending list, sends a task, and blocks on its
own answer list (``answer_wait``: a BLPOP, answered the moment the scoring pass ends, no polling).
Whichever live task runs first drains the list and pushes every answer; the tasks of requests
already answered then find the list empty and return at once. A request therefore waits for one
forward pass, not for its own task to reach the front of the queue behind the other editors'.

Without a Redis broker (the embedded default, or an eager app) every function here is a no-op and
each request is scored alone.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis
from django.conf import settings

_redis_clients: dict[str, redis.Redis] = {}
ANSWER_TTL_S = 60  # a waiter gives up after GAUNTLET_LIVE_TIMEOUT, far below this
PENDING_TTL_S = 300
BLOCK_STEP_S = 1.0  # longest single blocking wait for an answer


def live_redis() -> redis.Redis | None:
    """This process's client for the broker's Redis (a pool: no new connection per request)."""
    url = settings.CELERY_BROKER_URL
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url)
    return _redis_clients[url]


def celery_eager() -> bool:
    from gauntlet.celery import app

    return bool(app.conf.task_always_eager)


def batching_redis() -> redis.Redis | None:
    """The client batching goes through, or None when requests are not batched: an eager app scores
    each request in the caller's process (no queue to wait in, so nothing to batch)."""
    return None if celery_eager() else live_redis()


def _pending_key(version_id: int) -> str:
    return f"gauntlet:live_score:pending:{version_id}"


def _answer_key(request_id: str) -> str:
    return f"gauntlet:live_score:answer:{request_id}"


def pending_push(*, version_id: int, request_id: str, prompt: str, completion: str, timeout: float) -> None:
    """Put a request where the first task for this version will find it (web side, before sending);
    its waiter gives up after ``timeout`` s, and a task draining it later drops it unscored."""
    client = batching_redis()
    if client is None:
        return
    entry = {"id": request_id, "prompt": prompt, "completion": completion, "until": time.time() + timeout}
    pending = client.pipeline(transaction=False)  # one round trip
    pending.rpush(_pending_key(version_id), json.dumps(entry))
    pending.expire(_pending_key(version_id), PENDING_TTL_S)
    pending.execute()


def answer_wait(*, request_id: str, timeout: float) -> dict[str, Any] | None:
    """Block until a live task pushes this request's answer (and take it), or None after ``timeout`` s."""
    client = batching_redis()
    if client is None:
        return None
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        # In steps well under the client's socket timeout (redis-py's default is 5 s), which a
        # longer BLPOP would run into; a step that ends without an answer costs one round trip.
        popped = client.blpop([_answer_key(request_id)], timeout=min(left, BLOCK_STEP_S))
        if popped is not None:
            return dict(json.loads(popped[1]))
    return None


def pending_drain(*, version_id: int) -> list[dict[str, Any]]:
    """Up to ``GAUNTLET_LIVE_BATCH_MAX`` waiting requests for this version, oldest first, taken off the
    list; requests whose waiters have given up (past the web side's own timeout) are dropped."""
    client = batching_redis()
    if client is None:
        return []
    now = time.time()
    pipe = client.pipeline()
    pipe.lrange(_pending_key(version_id), 0, settings.GAUNTLET_LIVE_BATCH_MAX - 1)
    pipe.ltrim(_pending_key(version_id), settings.GAUNTLET_LIVE_BATCH_MAX, -1)
    raw, _ = pipe.execute()
    return [item for item in map(json.loads, raw) if item["until"] > now]


def answers_push(answers: dict[str, dict[str, Any]]) -> None:
    """Hand each waiting request its answer (one round trip); an answer nobody takes expires."""
    client = batching_redis()
    if client is None or not answers:
        return
    pipe = client.pipeline(transaction=False)
    for request_id, answer in answers.items():
        pipe.rpush(_answer_key(request_id), json.dumps(answer))
        pipe.expire(_answer_key(request_id), ANSWER_TTL_S)
    pipe.execute()
