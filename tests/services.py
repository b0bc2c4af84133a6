"""Real services the tests start as processes: moto_server (S3) and a Celery worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


@contextmanager
def moto_server() -> Iterator[str]:
    """A real S3 API (moto_server) on a free loopback port; yields its endpoint URL."""
    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def celery_worker(*, database_name: str, queues: str = "default,gpu", concurrency: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process on the test database and the test Redis.

    The caller must use a transactional test database (the worker sees only
    committed rows) and switch the in-process app out of eager mode.
    """
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="gauntlet.settings.test",
        GAUNTLET_TEST_DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database_name}",
        GAUNTLET_CELERY_EAGER="false",
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "platform"), env.get("PYTHONPATH", "")]),
    )
    log = REPO / "var" / f"test-worker-{os.getpid()}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "gauntlet", "worker", "-Q", queues,
                "--concurrency", str(concurrency), "--pool", "prefork", "--without-mingle",
                "--without-gossip", "--without-heartbeat", "-l", "info", "-n", f"test-{os.getpid()}@%h",
            ],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
