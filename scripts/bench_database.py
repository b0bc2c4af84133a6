"""Create the benchmarks' database when it is missing (make bench), so a fresh machine can run
benchmarks that work on the configured database, not only those that make a scratch one."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import psycopg
from psycopg import sql


def main() -> int:
    url = urlparse(
        os.environ.get("GAUNTLET_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gauntlet")
    )
    name = url.path.lstrip("/") or "gauntlet"
    server = dict(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        dbname="postgres",
    )
    if url.password:
        server["password"] = url.password
    with psycopg.connect(**server, autocommit=True) as admin:  # type: ignore[arg-type]
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
