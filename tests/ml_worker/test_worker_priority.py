"""Batch model work yields the CPU to live scores (issue 17): a worker serving ``gpu`` and not ``live``
runs its processes at ``GAUNTLET_BATCH_WORKER_NICE``; a worker with the live tools keeps its priority.

Each case runs in a forked child (as a prefork worker child is): niceness can only go up, and the
test process must keep its own.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import Any

import pytest

from gauntlet.celery import app
from ml_worker import runtime


def _in_child(work: Callable[[], int]) -> int:
    """``work()`` in a forked child; what it returned."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        send.send(work())

    child = context.Process(target=run)
    child.start()
    child.join(60)
    assert child.exitcode == 0
    return int(receive.recv())


def _worker_child_niceness(queues: str) -> int:
    """The niceness a prefork child ends with after ``worker_process_init``, for ``-Q queues``."""

    def work() -> int:
        app.amqp.queues.select(queues.split(","))  # what `celery worker -Q` does before forking
        runtime.reset_after_fork()
        return os.nice(0)

    return _in_child(work)


@pytest.fixture
def nice_10(settings: Any) -> int:
    settings.GAUNTLET_BATCH_WORKER_NICE = 10
    settings.GAUNTLET_TORCH_THREADS = 1
    return max(os.nice(0), 10)  # the niceness a batch worker's child should end with


def test_a_batch_only_worker_runs_at_the_configured_niceness(nice_10: int) -> None:
    assert _worker_child_niceness("gpu") == nice_10
    assert _worker_child_niceness("default,gpu") == nice_10


def test_a_worker_with_the_live_tools_keeps_its_priority(nice_10: int) -> None:
    before = os.nice(0)
    assert _worker_child_niceness("live") == before
    assert _worker_child_niceness("live,gpu") == before  # one worker for both: live must not wait
    assert _worker_child_niceness("default") == before  # bookkeeping, no model work


def test_zero_leaves_batch_workers_at_normal_priority(settings: Any) -> None:
    settings.GAUNTLET_BATCH_WORKER_NICE = 0
    settings.GAUNTLET_TORCH_THREADS = 1
    assert _worker_child_niceness("gpu") == os.nice(0)


def test_a_background_worker_yields_most_and_the_refit_goes_there(settings: Any) -> None:
    """Consensus refits (crowd-kit over a whole queue) take only the CPU that requests leave."""
    from gauntlet.celery import Queue

    settings.GAUNTLET_BATCH_WORKER_NICE = 10
    settings.GAUNTLET_BACKGROUND_WORKER_NICE = 19
    settings.GAUNTLET_TORCH_THREADS = 1
    assert _worker_child_niceness("background") == max(os.nice(0), 19)
    assert _worker_child_niceness("gpu,background") == max(os.nice(0), 10)  # batch model work's level
    assert _worker_child_niceness("live,background") == os.nice(0)
    route = app.amqp.router.route({}, "labeling.tasks.refit_queue_consensus")
    assert route["queue"].name == Queue.BACKGROUND.value
