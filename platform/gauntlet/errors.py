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


class Forbidden(DomainError):
    """This caller may not do this (role, standing, ownership)."""


class NotFound(DomainError):
    """No such object, or none this caller may see (someone else's looks the same)."""


class Conflict(DomainError):
    """The input is fine but the current state does not allow it (closed, already done, taken)."""


class Unavailable(DomainError):
    """A component this needs (the model worker, a provider) is not answering; try again later."""
