"""Throttles: DRF's rates and 429s, one cache round trip (one command) per request."""

from __future__ import annotations

import os
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache.backends.redis import RedisCache
from redis import Redis
from redis.client import Pipeline
from redis.connection import Connection
from redis.exceptions import ResponseError
from rest_framework.test import APIClient

from gauntlet import throttling
from gauntlet.accounts.models import User
from gauntlet.throttling import UserRateThrottle, count_request
from tests.conftest import client_for
from tests.factories import ContractorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rate small enough to hit, and a clock that stands still 20 s before a minute ends."""
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: 6_000_040.0)


@pytest.mark.usefixtures("three_per_minute")
def test_a_user_over_the_rate_gets_429_saying_when_to_retry(contractor_client: APIClient) -> None:
    codes = [contractor_client.get("/api/v1/me/").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = contractor_client.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert refused["Retry-After"] == "20"  # the rest of the current minute
    # Counted per user: someone else still gets through.
    other: User = ContractorFactory()
    assert client_for(other).get("/api/v1/me/").status_code == 200


def test_on_redis_a_window_is_one_counter_that_expires() -> None:
    cache = RedisCache(os.environ["REDIS_URL"], {})
    key = f"test-throttle-{uuid.uuid4().hex}"
    try:
        assert [count_request(cache, key, 60) for _ in range(3)] == [1, 2, 3]
        client = cache._cache.get_client(write=True)
        full_key = cache.make_and_validate_key(key)
        assert 0 < client.ttl(full_key) <= 61  # the window's counter goes away by itself
        assert count_request(cache, f"{key}-next-window", 60) == 1
    finally:
        cache.delete(key)
        cache.delete(f"{key}-next-window")


def test_a_throttled_request_on_the_configured_redis_cache_is_one_round_trip(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the cache DRF's throttles are given (``django.core.cache.cache``, a proxy for the
    configured one), not only a RedisCache handed in: one command per request, the INCR + EXPIRE
    script (loaded by EVAL the first time a server does not know it)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    sent: list[tuple[Any, ...]] = []
    pipelined: list[int] = []
    real_send = Connection.send_command

    def sending(self: Connection, *args: Any, **kwargs: Any) -> None:
        if str(args[0]).upper() not in ("HELLO", "CLIENT", "SELECT", "AUTH"):  # connecting, not counting
            sent.append(args)
        real_send(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_command", sending)
    real_execute = Pipeline.execute

    def executing(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        pipelined.append(len(self.command_stack))
        return real_execute(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", executing)
    throttle = UserRateThrottle()
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=uuid.uuid4().int))
    assert throttle.allow_request(request, None)  # type: ignore[arg-type]
    assert throttle.allow_request(request, None)  # type: ignore[arg-type]
    commands = [str(args[0]).upper() for args in sent]
    assert commands in (["EVALSHA", "EVALSHA"], ["EVALSHA", "EVAL", "EVALSHA"])  # not add + exists + incrby
    assert pipelined == []


def _counted(cache: RedisCache, key: str) -> tuple[list[int], int]:
    counts = [count_request(cache, key, 60) for _ in range(3)]
    full_key = cache.make_and_validate_key(key)
    return counts, cache._cache.get_client(write=True).ttl(full_key)


def test_a_server_without_the_script_is_given_it(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RedisCache(os.environ["REDIS_URL"], {})
    key = f"test-throttle-{uuid.uuid4().hex}"
    # A name no server knows: EVALSHA says NOSCRIPT, and EVAL runs (and loads) the script.
    monkeypatch.setattr(throttling, "_INCR_EXPIRE_SHA", "0" * 40)
    try:
        counts, ttl = _counted(cache, key)
        assert counts == [1, 2, 3] and 0 < ttl <= 61
    finally:
        cache.delete(key)


def test_a_server_refusing_scripts_is_counted_with_a_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RedisCache(os.environ["REDIS_URL"], {})
    key = f"test-throttle-{uuid.uuid4().hex}"
    monkeypatch.setitem(throttling._scripts, "usable", True)

    def refused(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise ResponseError("NOPERM User default has no permissions to run the 'evalsha' command")

    monkeypatch.setattr(Redis, "evalsha", refused)
    try:
        counts, ttl = _counted(cache, key)
        assert counts == [1, 2, 3] and 0 < ttl <= 61
        assert throttling._scripts["usable"] is False  # asked once, then the pipeline
    finally:
        cache.delete(key)


def test_another_redis_error_is_not_taken_for_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(throttling._scripts, "usable", True)

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    monkeypatch.setattr(Redis, "evalsha", failing)
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        count_request(RedisCache(os.environ["REDIS_URL"], {}), f"test-throttle-{uuid.uuid4().hex}", 60)
    assert throttling._scripts["usable"] is True
