"""The real processes a benchmark measures Gauntlet through: a scratch database, a Celery gpu worker, gunicorn."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from gauntlet.common.processes import celery_worker, gunicorn


def _database_url() -> str:
    db = connection.settings_dict
    if "postgresql" not in db["ENGINE"]:
        raise RuntimeError(
            "the ml benchmarks need PostgreSQL and Redis: set DATABASE_URL and REDIS_URL, or run them with "
            "DJANGO_SETTINGS_MODULE=gauntlet.settings.test (loopback services), as `make bench` does"
        )
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def scratch_database(*, use_current: bool) -> Iterator[None]:
    """A freshly migrated throw-away database for the run (or the current one, inside the test suite)."""
    if use_current:
        yield
        return
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    url = _database_url()
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "gauntlet.settings.base"),
        DATABASE_URL=url,
        GAUNTLET_TEST_DATABASE_URL=url,  # gauntlet.settings.test reads this one
        REDIS_URL=settings.CELERY_BROKER_URL,
        GAUNTLET_TEST_REDIS_URL=settings.CELERY_BROKER_URL,
        GAUNTLET_CELERY_EAGER="false",
        GAUNTLET_MODEL_CACHE=str(settings.GAUNTLET_MODEL_CACHE),
        GAUNTLET_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        **extra,
    )
    return env


@contextmanager
def gpu_worker(
    *, log: Path, queues: str = "live,gpu", concurrency: int = 1, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``celery worker -Q live,gpu`` (prefork, one process) on the scratch database: the live tools
    and batch scoring/training measured through one worker, as the bare loop is one process.
    ``queues``/``concurrency``/``env`` start another pool (``bench score --under-load`` runs a
    live pool and a gpu pool as separate workers)."""
    from gauntlet.celery import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with celery_worker(
            env=_env(env or {}),
            queues=queues,
            name=f"bench-{queues.replace(',', '-')}-{os.getpid()}",
            concurrency=concurrency,
            log=log,
            loglevel="warning",
        ) as proc:
            yield proc
    finally:
        app.conf.task_always_eager = was_eager


@contextmanager
def web_server(*, log: Path, workers: int = 1, threads: int = 1) -> Iterator[str]:
    """gunicorn (one sync worker unless told) serving Gauntlet on a loopback port; yields the base URL."""
    env = _env(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-only-not-secret",  # noqa: S106
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "GAUNTLET_LIVE_TIMEOUT": "120",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    with gunicorn(env=env, workers=workers, threads=threads, log=log) as port:
        yield f"http://127.0.0.1:{port}"
