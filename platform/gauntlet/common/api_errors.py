"""The one error shape for what never reaches a DRF view: an unknown ``/api/`` URL (404)
and an exception no handler caught (500).

DRF's exception handler (:func:`gauntlet.api.exception_handler`) shapes every error a view
raises; Django answers an unresolved URL or an uncaught exception itself, as an HTML page.
This middleware gives API clients the same JSON there. A 500 never carries the exception's
text (it is logged, as Django logs every 500). Redis (the broker, results and cache) being
unreachable is a 503 that says so: it is an outage to wait out, not a bug, and only what needs
Redis refuses (the live tools); claims, heartbeats and submits go on without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("django.request")

API_PREFIX = "/api/"
_MESSAGES = {
    404: ("not_found", "No API endpoint answers this URL; the schema at /api/v1/schema/ lists them."),
    500: ("server_error", "Something went wrong on our side; it has been logged. Try again later."),
    503: (
        "queue_unavailable",
        "The task queue (Redis) cannot be reached, so the classifier service cannot answer now. "
        "Try again shortly; labeling and submitting work still go on.",
    ),
}


def _queue_unreachable(exception: Exception) -> bool:
    """Redis down: the broker's connection error (after Celery's retries), the client's own, or the
    result backend's "retry limit exceeded" raised from one of those."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    cause: BaseException | None = exception
    while cause is not None:
        if isinstance(cause, OperationalError | RedisConnectionError | RedisTimeoutError):
            return True
        cause = cause.__cause__
    return False


def error_response(*, status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


class ApiErrorShapeMiddleware:
    """Re-shapes Django's own 404/500 pages under ``/api/`` into the API's error JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code in _MESSAGES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = _MESSAGES[response.status_code]
            return error_response(status=response.status_code, code=code, message=message)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None  # Django's own error pages (and DEBUG's traceback) for the web pages
        status = 503 if _queue_unreachable(exception) else 500
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        code, message = _MESSAGES[status]
        return error_response(status=status, code=code, message=message)
