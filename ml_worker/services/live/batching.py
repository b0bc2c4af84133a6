"""Batching concurrent live scores through Redis: a pending list per version, answers per request id.

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


def pending_push(*, version_id: int, request_id: str, prompt: str, completion: str) -> None:
    """Put a request where the first task for this version will find it (web side, before sending)."""
    client = batching_redis()
    if client is None:
        return
    entry = {"id": request_id, "prompt": prompt, "completion": completion, "at": time.time()}
    pending = client.pipeline(transaction=False)  # one round trip
    pending.rpush(_pending_key(version_id), json.dumps(entry))
    pending.expire(_pending_key(version_id), PENDING_TTL_S)
    pending.execute()


def answer_take(*, request_id: str) -> dict[str, Any] | None:
    """The answer another task already stored for this request (and removes it), else None."""
    client = batching_redis()
    if client is None:
        return None
    stored = client.get(_answer_key(request_id))
    if stored is None:
        return None
    client.delete(_answer_key(request_id))
    return dict(json.loads(stored))


def pending_drain(*, version_id: int, request_id: str) -> list[dict[str, Any]]:
    """Up to ``GAUNTLET_LIVE_BATCH_MAX`` other waiting requests for this version, taken off the list;
    requests older than the web side's timeout are dropped (their waiters have given up)."""
    client = batching_redis()
    if client is None:
        return []
    horizon = time.time() - settings.GAUNTLET_LIVE_TIMEOUT
    pipe = client.pipeline()
    pipe.lrange(_pending_key(version_id), 0, settings.GAUNTLET_LIVE_BATCH_MAX - 1)
    pipe.ltrim(_pending_key(version_id), settings.GAUNTLET_LIVE_BATCH_MAX, -1)
    raw, _ = pipe.execute()
    return [item for item in map(json.loads, raw) if item["id"] != request_id and item["at"] >= horizon]


def answers_store(answers: dict[str, dict[str, Any]]) -> None:
    """Store the answers of batched requests under their ids, for their own tasks to return."""
    client = batching_redis()
    if client is None or not answers:
        return
    pipe = client.pipeline()
    for request_id, answer in answers.items():
        pipe.set(_answer_key(request_id), json.dumps(answer), ex=ANSWER_TTL_S)
    pipe.execute()
