"""Errors the engine raises on purpose, each a kind of :mod:`gauntlet.errors` domain error
(the API's handler gives it its status and the documented error body)."""

from __future__ import annotations

from datetime import datetime

from gauntlet.errors import Conflict, Forbidden, NotFound


class ClaimRefused(Forbidden):
    """The contractor may not take work from this queue (role, standing, queue state)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


class QueueNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("not_found", "No such queue.")


class AssignmentNotFound(NotFound):
    """No such assignment *for this contractor*: someone else's looks exactly like a missing one."""

    def __init__(self) -> None:
        super().__init__("not_found", "No such assignment.")


class LeaseExpired(Conflict):
    def __init__(self, expired_at: datetime) -> None:
        super().__init__(
            "lease_expired", f"Your lease on this task expired at {expired_at.isoformat()}; claim again."
        )


class AssignmentConflict(Conflict):
    """The assignment is not in a state that allows this operation."""
