"""Who reacts when a contractor may no longer work (blocked, deactivated).

``accounts`` sits below every other app, so it cannot release a contractor's leases
itself; the work-queue engine registers a listener here in its ``AppConfig.ready()``::

    standing.on_work_stopped(contractor_leases_release)

:func:`gauntlet.accounts.services.contractor_standing_changed` calls every listener,
inside the caller's transaction, whenever a standing change leaves the contractor
unable to work, whichever way it was made (service, API, admin). Listeners must be
idempotent: a retried or repeated block calls them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gauntlet.accounts.models import User

WorkStoppedListener = Callable[["User"], object]  # a listener may return a count; it is ignored
_WORK_STOPPED: list[WorkStoppedListener] = []


def on_work_stopped(listener: WorkStoppedListener) -> None:
    """Call ``listener(contractor)`` when a contractor is blocked or deactivated."""
    if listener not in _WORK_STOPPED:
        _WORK_STOPPED.append(listener)


def notify_work_stopped(contractor: User) -> None:
    for listener in _WORK_STOPPED:
        listener(contractor)
