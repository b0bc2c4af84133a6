"""Fail at once, in one line, when PostgreSQL or Redis is not reachable (make test)."""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlparse

START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
}


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    db = urlparse(os.environ.get("GAUNTLET_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gauntlet"))
    redis = urlparse(os.environ.get("GAUNTLET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    for name, host, port in (
        ("PostgreSQL", db.hostname or "127.0.0.1", db.port or 5432),
        ("Redis", redis.hostname or "127.0.0.1", redis.port or 6379),
    ):
        if not reachable(host, port):
            print(f"{name} is not reachable at {host}:{port}; start it with: {START[name]}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
