"""``/healthz`` (the process is up) and ``/readyz`` (its dependencies answer)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from gauntlet.accounts.models import Role
from gauntlet.common.storage import check_reachable

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return  # embedded default: no Redis in the picture
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "storage": check_reachable,
}


def _may_see_details(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and getattr(user, "role", None) == Role.MANAGER)


def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every dependency answers, else 503 naming the ones that failed.

    The exception text (hosts, ports, user names) is logged, and shown only to a signed-in
    manager; a load balancer or anyone else learns which dependency failed, not why.
    """
    results: dict[str, str] = {}
    failed: list[str] = []
    details = _may_see_details(request)
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readyz: %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = f"failed: {type(exc).__name__}: {exc}"[:300] if details else "failed"
            failed.append(name)
    body: dict[str, object] = {"status": "ok" if not failed else "unavailable", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
