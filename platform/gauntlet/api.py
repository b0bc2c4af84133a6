"""API conventions shared by every Gauntlet endpoint.

- Everything lives under ``/api/v1/``; the OpenAPI schema is at ``/api/v1/schema/``.
- One error format, whatever went wrong::

      {"error": {"code": "validation_error", "message": "…", "fields": {"field": ["…"]}}}

  ``code`` is stable and machine-readable, ``message`` says what to fix, and
  ``fields`` (possibly empty) maps input fields to their problems.
- Pagination: ``?page=N&page_size=M`` (max 500) → ``{count, next, previous, results}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gauntlet import errors


class ApiError(exceptions.APIException):
    """An error an API view raises on purpose, with its code and status. Services raise
    :mod:`gauntlet.errors` instead; :func:`exception_handler` gives those their status."""

    def __init__(
        self, code: str, message: str, status_code: int = status.HTTP_400_BAD_REQUEST, fields: Any = None
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.fields = fields or {}


# What each kind of domain error means over HTTP: the one place a kind becomes a status.
DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.Invalid: status.HTTP_400_BAD_REQUEST,
    errors.Forbidden: status.HTTP_403_FORBIDDEN,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def domain_status(error: errors.DomainError) -> int:
    """The HTTP status of a domain error (the web pages answer fragments with it too)."""
    return next(
        (s for kind, s in DOMAIN_STATUS.items() if isinstance(error, kind)), status.HTTP_400_BAD_REQUEST
    )


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "validation_error",
}


_message = errors.fields_text


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every API error in the one documented shape."""
    if isinstance(exc, errors.DomainError):
        exc = ApiError(exc.code, exc.message, domain_status(exc), exc.fields)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if not isinstance(exc, exceptions.APIException):  # DRF only renders APIExceptions
        return response
    fields: Any = {}
    if isinstance(exc, ApiError):
        code, message, fields = exc.error_code, str(exc.detail), exc.fields
    elif isinstance(exc, exceptions.ValidationError):
        code = "validation_error"
        if isinstance(exc.detail, dict):
            fields = exc.detail
            message = "Invalid input: " + _message(exc.detail)
        else:
            fields = {"non_field_errors": exc.detail}
            message = _message(exc.detail)
    else:
        code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), "error")
        message = _message(exc.detail)
        if isinstance(exc, exceptions.ParseError):
            message = f"The request body could not be parsed: {message}"
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response
