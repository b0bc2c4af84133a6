"""Request throttles that cost one cache round trip per request.

DRF's own throttles keep, per user, the time of every request in the window and
read and rewrite that list (pickled) on each request: two round trips to the cache,
and with the rates contractors need ("100000/hour": they heartbeat, claim and
live-score all day) a list that grows with every request they make. These count
requests in fixed windows instead: one counter per user and window. On Redis that
is one pipelined ``INCR`` + ``EXPIRE``; on any other cache (the embedded default's
local memory) ``add`` + ``incr``.

A fixed window lets a client spend up to twice the rate across a window boundary;
for a guard against runaway scripts that is the right trade for O(1) memory and one
round trip. Rates, scopes, the 429 and its ``Retry-After`` are DRF's.
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from typing import TYPE_CHECKING, Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import throttling

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes named in settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


# One client object per connection pool: Django's RedisCache builds a new ``Redis`` (its
# command table, its callbacks) on every call, which cost more CPU than the round trip.
_clients: weakref.WeakKeyDictionary[Any, Redis] = weakref.WeakKeyDictionary()


def _redis_client(cache: RedisCache, full_key: str) -> Redis:
    pool = cache._cache._get_connection_pool(write=True)  # type: ignore[attr-defined]
    client = _clients.get(pool)
    if client is None:
        client = _clients[pool] = cache._cache.get_client(full_key, write=True)
    return client


# INCR + EXPIRE as one command (a server-side script): a pipeline of the two cost the client about
# half as much CPU again (building the pipeline, packing and parsing two commands).
_INCR_EXPIRE = "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n"
_INCR_EXPIRE_SHA = hashlib.sha1(_INCR_EXPIRE.encode()).hexdigest()  # noqa: S324 - Redis names scripts so
_scripts = {"usable": True}  # False once a server refused scripts (an ACL without EVAL): the pipeline


def _incr_expire(client: Redis, full_key: str, seconds: int) -> int:
    if _scripts["usable"]:
        try:
            try:
                return int(client.evalsha(_INCR_EXPIRE_SHA, 1, full_key, seconds))  # type: ignore[arg-type]
            except NoScriptError:  # not loaded on this server yet (or flushed): EVAL loads it
                return int(client.eval(_INCR_EXPIRE, 1, full_key, seconds))  # type: ignore[arg-type]
        except ResponseError as exc:
            if (
                isinstance(exc, NoScriptError)
                or "NOPERM" not in str(exc)
                and "unknown command" not in str(exc)
            ):
                raise
            logger.warning("Redis refuses scripts (%s); throttles count with a pipeline", exc)
            _scripts["usable"] = False
    pipe = client.pipeline(transaction=False)
    pipe.incr(full_key)
    pipe.expire(full_key, seconds)
    count, _ = pipe.execute()
    return int(count)


def count_request(cache: BaseCache, key: str, window_seconds: int) -> int:
    """Count one request under ``key`` (a key per window); the window's count so far."""
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        return _incr_expire(_redis_client(cache, full_key), full_key, window_seconds + 1)
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr: this request starts the window
        cache.set(key, 1, timeout=window_seconds + 1)
        return 1


class FixedWindowThrottle(throttling.SimpleRateThrottle):
    """DRF's ``SimpleRateThrottle``, counting in fixed windows (mix in before a DRF throttle)."""

    num_requests: int | None  # set from the rate by SimpleRateThrottle.__init__
    duration: int | None

    @property
    def cache(self) -> BaseCache:  # type: ignore[override]
        """The configured cache itself. DRF's ``cache`` is ``django.core.cache.cache``, a proxy
        that is no ``RedisCache``: through it every request took the add + incr fallback (three
        round trips to Redis, a new client object each)."""
        return caches[DEFAULT_CACHE_ALIAS]

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None or self.num_requests is None or self.duration is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self._retry_after = (window + 1) * self.duration - now
        try:
            count = count_request(self.cache, f"{self.key}:{window}", self.duration)
        except (RedisConnectionError, RedisTimeoutError):
            # The counters live in Redis: while it is down, nobody is throttled rather than everybody
            # refused (claims, heartbeats and submits must go on; the live tools say Redis is down).
            logger.warning("throttle counters unreachable; request %s let through", self.key)
            return True
        return count <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self, "_retry_after", None)


class AnonRateThrottle(FixedWindowThrottle, throttling.AnonRateThrottle):
    """Anonymous requests, by client address (rate ``anon``)."""


class UserRateThrottle(FixedWindowThrottle, throttling.UserRateThrottle):
    """Authenticated requests, by user (rate ``user``); anonymous ones by address."""
