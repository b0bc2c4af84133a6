"""Real server processes on loopback: gunicorn and Celery workers, for benchmarks and tests.

Benchmarks measure Gauntlet through the processes production runs (a WSGI server,
a Celery worker on Redis); the test suite starts the same ones. Everything
binds to 127.0.0.1 on a free port and is stopped when its ``with`` block ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Return once something accepts connections on 127.0.0.1:``port``; raise if ``proc`` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(
                    f"the process meant to listen on {port} exited with {proc.returncode}"
                ) from None
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout:g}s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """SIGTERM (a warm shutdown for Celery and gunicorn), then SIGKILL if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def python_path_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the repository and its source root ``platform/`` on PYTHONPATH."""
    extra = [str(REPO), str(REPO / "platform")]
    return {**env, "PYTHONPATH": os.pathsep.join([*extra, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


@contextmanager
def _output(log: Path | None) -> Iterator[IO[bytes] | None]:
    if log is None:
        yield None
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        yield out


@contextmanager
def gunicorn(
    *, env: dict[str, str], workers: int = 1, threads: int = 1, log: Path | None = None, timeout: int = 120
) -> Iterator[int]:
    """gunicorn serving ``gauntlet.wsgi`` on a free loopback port (``gthread`` when threads > 1); yields the port."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "gauntlet.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--keep-alive",
        "60",
        "--log-level",
        "warning",
    ]
    if threads > 1:
        argv += ["--worker-class", "gthread", "--threads", str(threads)]
    with _output(log) as out:
        proc = subprocess.Popen(  # noqa: S603
            argv, cwd=REPO, env=python_path_env(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, proc=proc)
        yield port
    finally:
        stop(proc, timeout=30)


@contextmanager
def celery_worker(
    *,
    env: dict[str, str],
    queues: str,
    name: str,
    concurrency: int = 1,
    log: Path | None = None,
    loglevel: str = "info",
) -> Iterator[subprocess.Popen[bytes]]:
    """``celery -A gauntlet worker -Q queues`` (prefork) with ``env``; the caller waits for it to answer."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "gauntlet",
        "worker",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "--pool",
        "prefork",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "-l",
        loglevel,
        "-n",
        f"{name}@%h",
    ]
    with _output(log) as out:
        proc = subprocess.Popen(  # noqa: S603
            argv, cwd=REPO, env=python_path_env(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        stop(proc)
