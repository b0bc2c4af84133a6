"""Real services the tests start as processes (moto_server for S3, a Celery worker), and
real parallel database clients (threads, each with its own connection)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

from gauntlet.common.processes import REPO, free_port, stop, wait_for_port
from gauntlet.common.processes import celery_worker as _celery_worker

__all__ = ["celery_worker", "free_port", "moto_server", "run_in_threads"]


@contextmanager
def moto_server() -> Iterator[str]:
    """A real S3 API (moto_server) on a free loopback port; yields its endpoint URL."""
    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, timeout=20, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc, timeout=10)


@contextmanager
def celery_worker(
    *, database_name: str, queues: str = "default,live,gpu", concurrency: int = 1
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process on the test database and the test Redis.

    The caller must use a transactional test database (the worker sees only
    committed rows) and switch the in-process app out of eager mode.
    """
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="gauntlet.settings.test",
        GAUNTLET_TEST_DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database_name}",
        GAUNTLET_CELERY_EAGER="false",
    )
    log = REPO / "var" / f"test-worker-{os.getpid()}.log"
    with _celery_worker(
        env=env, queues=queues, name=f"test-{os.getpid()}", concurrency=concurrency, log=log
    ) as proc:
        yield proc


def run_in_threads(workers: list[Callable[[], Any]], *, join_timeout: float = 120) -> list[Any]:
    """Start every worker at once (each thread opens its own connection), re-raise any failure."""
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def run(index: int, work: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = work()
        except BaseException as exc:  # noqa: BLE001 - surfaced in the test thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    assert not errors, errors
    return results


def sqlite_default_manage(var_dir: Path) -> Callable[..., str]:
    """``manage(*args)`` running ``manage.py`` in a child process on the embedded default (SQLite and
    files under ``var_dir``, none of the test run's PostgreSQL or Redis); returns its stdout and fails
    the test with its stderr when it exits non-zero."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG")
    }
    env.update(GAUNTLET_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="gauntlet.settings.base")

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    return manage
