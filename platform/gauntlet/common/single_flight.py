"""Single-flight for periodic and kicked jobs: at most one run of a named job at a time.

A Redis lock (``SET key token NX PX ttl``, released by compare-and-delete so a run
that outlived its ttl never frees a lock another run now holds). A second run that
finds the lock held does nothing and says so: the job in flight already covers what
it was asked to do (both the bulk rescoring and a queue's Dawid–Skene refit read
"everything as it is now" when they start). The ttl bounds how long a crashed run
keeps others out.

With no Redis configured (the embedded SQLite default, Celery eager in-process) the
lock is a process-local one: there is only this process to race with.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_local_held: set[str] = set()
_local_guard = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def _client() -> redis.Redis | None:
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url)
    return _clients[url]


def lock_key(name: str) -> str:
    return f"gauntlet:single-flight:{name}"


@contextmanager
def single_flight(name: str, *, ttl_seconds: int) -> Iterator[bool]:
    """Yield True if this caller holds the lock ``name`` (run the job), False if another
    run holds it (skip). The lock is released when the block ends, or after ``ttl_seconds``."""
    key = lock_key(name)
    client = _client()
    if client is None:
        with _local_guard:
            acquired = key not in _local_held
            _local_held.add(key)
        try:
            yield acquired
        finally:
            if acquired:
                with _local_guard:
                    _local_held.discard(key)
        return
    token = secrets.token_hex(16)
    acquired = bool(client.set(key, token, nx=True, px=ttl_seconds * 1000))
    try:
        yield acquired
    finally:
        if acquired:
            client.eval(_RELEASE, 1, key, token)  # type: ignore[no-untyped-call]
