"""Sending a Celery task by its registered name, so a service never imports a tasks module.

Tasks are interfaces over services (a task imports its service); a service that has follow-up work
(rescore after a promotion, a training run, a live request) names the task instead of importing it,
which keeps the import graph one-way. Celery resolves the name in its registry, importing each app's
``tasks`` module once per process on first use (a worker has done that at start-up already); an
eager app (the embedded default) still runs the task inline.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import Task
from celery.result import AsyncResult
from django.db import transaction

_tasks_imported = False
# A gthread web worker serves its first requests on several threads at once: without the lock,
# a thread arriving while another imports the tasks modules found its task not registered yet.
_tasks_import_lock = threading.Lock()


def task_named(name: str) -> Task:
    """The registered task called ``name``; KeyError when no app declares one."""
    global _tasks_imported
    from gauntlet.celery import app

    if name not in app.tasks:
        with _tasks_import_lock:  # the first caller imports; the others wait for it to finish
            if not _tasks_imported:
                app.loader.import_default_modules()  # runs autodiscovery: every app's tasks module
                _tasks_imported = True
    return app.tasks[name]


def task_send(name: str, /, *args: Any, **options: Any) -> AsyncResult:
    """Send ``name`` now with positional ``args``; ``options`` go to ``apply_async`` (kwargs, queue…)."""
    return task_named(name).apply_async(args=args, **options)


def task_send_on_commit(name: str, /, *args: Any, **options: Any) -> None:
    """Send ``name`` once the current transaction commits (at once outside one), so the task reads
    what the caller wrote."""
    transaction.on_commit(lambda: task_send(name, *args, **options))
