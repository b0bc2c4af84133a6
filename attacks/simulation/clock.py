"""Simulated time: a clock the platform reads through ``django.utils.timezone.now``.

Inside :func:`simulated_clock` every ``timezone.now()`` (leases, heartbeats, active seconds, ledger
entries, audit records) answers the simulated time, which only moves when a simulated person acts
(:meth:`SimulatedClock.advance`). It starts at the real time it is entered; the run's objects carry
simulated timestamps from there on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

from django.conf import settings
from django.utils import timezone


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self.now_at = start

    def now(self) -> datetime:
        return self.now_at

    def advance(self, seconds: float, *, heartbeat: Callable[[], object] | None = None) -> None:
        """Move the clock on by ``seconds``. With ``heartbeat`` (a person at work on a task), it is
        called at least every heartbeat cap, as the work pages do, so all of the time counts."""
        step = max(float(settings.WORKQUEUE_HEARTBEAT_CAP_SECONDS) - 5.0, 1.0)
        left = max(float(seconds), 0.0)
        while left > 0:
            chunk = min(step, left)
            self.now_at += timedelta(seconds=chunk)
            left -= chunk
            if heartbeat is not None and left > 0:
                heartbeat()

    @property
    def elapsed_minutes(self) -> float:
        return (self.now_at - self.start).total_seconds() / 60.0


@contextmanager
def simulated_clock() -> Iterator[SimulatedClock]:
    clock = SimulatedClock(timezone.now())
    with mock.patch("django.utils.timezone.now", clock.now):
        yield clock
