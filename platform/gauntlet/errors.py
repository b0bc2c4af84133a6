"""Errors a service, selector, task kind or command raises on purpose: what went wrong, in
the domain's words, with no HTTP in it.

A :class:`DomainError` carries a stable machine-readable ``code``, a ``message`` that says
what to fix, and ``fields`` (input field -> its problems, possibly empty). Its class says
what *kind* of failure it is; each app's ``exceptions`` module subclasses a kind
(``gauntlet.workqueue.exceptions.ClaimRefused`` is a :class:`Forbidden`).

What a kind means to a client is decided in one place per interface:
:func:`gauntlet.api.exception_handler` for the API (``http_status``: Invalid 400,
Forbidden 403, NotFound 404, Conflict 409, Unavailable 503, in the one error shape), the
web pages show ``message``, and management commands turn any of them into a
``CommandError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A failure a caller can act on. Raise one of the kinds below, not this base."""

    def __init__(self, code: str, message: str, fields: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields: dict[str, Any] = dict(fields or {})

    def __str__(self) -> str:
        return self.message


class Invalid(DomainError):
    """The input is wrong; ``fields`` names what to fix."""

    @classmethod
    def in_fields(cls, fields: Mapping[str, Any], code: str = "validation_error") -> Invalid:
        """Problems with named input fields (``{field: [problem, …]}``, possibly nested), the
        message naming each: ``"Invalid input: label: label must be one of …"``."""
        return cls(code, "Invalid input: " + fields_text(fields), fields)


def fields_text(detail: Any) -> str:
    """Field problems as one line: a list's items joined by spaces, a mapping's as ``field: …``
    joined by ``; `` (the wording of every ``validation_error`` message)."""
    if isinstance(detail, list):
        return " ".join(fields_text(item) for item in detail)
    if isinstance(detail, Mapping):
        return "; ".join(f"{key}: {fields_text(value)}" for key, value in detail.items())
    return str(detail)


class Forbidden(DomainError):
    """This caller may not do this (role, standing, ownership)."""


class NotFound(DomainError):
    """No such object, or none this caller may see (someone else's looks the same)."""


class Conflict(DomainError):
    """The input is fine but the current state does not allow it (closed, already done, taken)."""


class Unavailable(DomainError):
    """A component this needs (the model worker, a provider) is not answering; try again later."""
