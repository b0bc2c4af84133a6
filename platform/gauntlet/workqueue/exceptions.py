"""Errors the engine raises on purpose. Each is an :class:`~gauntlet.api.ApiError`, so a
view that lets one through answers with its status and the documented error body."""

from __future__ import annotations

from datetime import datetime

from rest_framework import status

from gauntlet.api import ApiError


class ClaimRefused(ApiError):
    """The contractor may not take work from this queue (role, standing, queue state)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status.HTTP_403_FORBIDDEN)


class QueueNotFound(ApiError):
    def __init__(self) -> None:
        super().__init__("not_found", "No such queue.", status.HTTP_404_NOT_FOUND)


class AssignmentNotFound(ApiError):
    """No such assignment *for this contractor*: someone else's looks exactly like a missing one."""

    def __init__(self) -> None:
        super().__init__("not_found", "No such assignment.", status.HTTP_404_NOT_FOUND)


class LeaseExpired(ApiError):
    def __init__(self, expired_at: datetime) -> None:
        super().__init__(
            "lease_expired",
            f"Your lease on this task expired at {expired_at.isoformat()}; claim again.",
            status.HTTP_409_CONFLICT,
        )


class AssignmentConflict(ApiError):
    """The assignment is not in a state that allows this operation."""

    def __init__(self, code: str, message: str, fields: object = None) -> None:
        super().__init__(code, message, status.HTTP_409_CONFLICT, fields)
