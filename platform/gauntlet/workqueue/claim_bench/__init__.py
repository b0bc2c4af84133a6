"""``python manage.py bench claim``: drain a queue three ways with parallel client processes.

One run against PostgreSQL: create a scratch database on the configured server
(or ``GAUNTLET_BENCH_DATABASE_URL``'s), migrate it, fill three 20,000-item
queues (overlap 1) and as many contractors, then let ``clients`` processes drain
one queue per mode, each process claiming on behalf of its share of the
contractors (a burst of "give me my next task" from 20,000 people, one each):

- ``raw_sql``: the bare ``SELECT … FOR UPDATE SKIP LOCKED`` claim + counter
  update + assignment insert, in psycopg with no Django;
- ``service``: ``assignment_claim`` in-process (queue, eligibility, open-lease
  check, expiry check, pick, take, insert: one call of the claim function);
- ``api``: ``POST /api/v1/queues/{id}/claim/`` over one keep-alive HTTP
  connection per process (token auth per request) to gunicorn (gthread) on
  loopback, serving the same database.

``*_claims_per_s`` is claims per second of wall time. Afterwards the database is
checked: ``double_claims`` counts items held by more live or judged assignments
than they want plus (item, contractor) pairs held twice; ``overfilled_items``
counts items with more accepted judgments than wanted. The scratch database is
dropped at the end.

It also holds what every benchmark that runs server and client processes shares (the cycle,
refit and load benchmarks import it): :func:`scratch_database`, :func:`wait_until_serving`,
:func:`in_child`, :func:`_run_clients`, :func:`_percentile` and :func:`_integrity`.

Top-level imports are the standard library only: the client processes are
spawned and configure Django for the scratch database themselves.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gauntlet.common.processes import gunicorn, python_path_env
from gauntlet.workqueue.claim_bench.clients import (
    _child_environment,
    _drain_api,
    _drain_raw,
    _drain_service,
    _environment,
    _fill,
)


def _collect(results: Any, procs: list[Any]) -> list[Any]:
    """One result per process; raises as soon as one dies without giving its result."""
    import queue

    outcomes: list[Any] = []
    while len(outcomes) < len(procs):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(proc.exitcode not in (None, 0) for proc in procs):
                for proc in procs:
                    proc.kill()
                raise RuntimeError("a bench process failed (its traceback is above)") from None
    for proc in procs:
        proc.join(timeout=60)
    return outcomes


def _run_clients(ctx: Any, target: Any, args_per_client: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Start one process per client, release them together, collect their figures.
    Call inside ``_environment`` so the clients configure Django for the scratch database."""
    start = ctx.Barrier(len(args_per_client))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, results)) for args in args_per_client]
    for proc in procs:
        proc.start()  # inherits the scratch database's environment (see scratch_database)
    outcomes = _collect(results, procs)
    claims = sum(o["claims"] for o in outcomes)
    wall = max(o["ended"] for o in outcomes) - min(o["began"] for o in outcomes)
    latencies = sorted(ms for o in outcomes for ms in o["latencies"])
    return {"claims": claims, "wall_s": wall, "latencies": latencies, "outcomes": outcomes}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def _server_url() -> str:
    """The PostgreSQL server to bench on: the configured one, else GAUNTLET_BENCH_DATABASE_URL."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        db = settings.DATABASES["default"]
        auth = db.get("USER") or "postgres"
        if db.get("PASSWORD"):
            auth += f":{db['PASSWORD']}"
        return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/postgres"
    return os.environ.get("GAUNTLET_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _integrity(database_url: str) -> dict[str, int]:
    """Double claims and overfilled items, counted from the rows themselves (not the counters)."""
    import psycopg

    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            """
            SELECT coalesce(sum(held - i.judgments_wanted), 0) FROM workqueue_workitem i
            JOIN (SELECT item_id, count(*) AS held FROM workqueue_assignment
                  WHERE status IN ('leased', 'submitted', 'approved') GROUP BY item_id) h ON h.item_id = i.id
            WHERE held > i.judgments_wanted
            """
        )
        held_too_often = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute(
            """
            SELECT count(*) FROM (SELECT 1 FROM workqueue_assignment
              WHERE status IN ('leased', 'submitted', 'approved', 'rejected')
              GROUP BY item_id, contractor_id HAVING count(*) > 1) twice
            """
        )
        judged_twice = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute(
            """
            SELECT count(*) FROM workqueue_workitem i
            LEFT JOIN (SELECT item_id, count(*) AS accepted FROM workqueue_assignment
                       WHERE status IN ('submitted', 'approved') GROUP BY item_id) a ON a.item_id = i.id
            WHERE coalesce(a.accepted, 0) > i.judgments_wanted OR i.judgments_received > i.judgments_wanted
            """
        )
        overfilled = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute("SELECT count(*) FROM workqueue_workitem WHERE active_leases + judgments_received = 0")
        left = int(cur.fetchone()[0])  # type: ignore[index]
    return {
        "double_claims": held_too_often + judged_twice,
        "overfilled_items": overfilled,
        "items_left": left,
    }


def wait_until_serving(port: int, *, timeout: float = 600.0) -> None:
    """Until every gunicorn worker answers: the master binds the port at once, but each worker
    imports the app (Django, DRF, torch via the apps) before it takes a request; on a busy
    machine that outlasts a client's timeout."""
    import http.client
    import time

    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 8:  # several answers: more than one worker has loaded
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            answered += 1
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@contextmanager
def scratch_database(prefix: str) -> Iterator[tuple[str, dict[str, str], Any]]:
    """A migrated scratch database on the bench server, dropped afterwards; yields its URL, the
    environment for servers on it and the spawn context (clients inherit the environment)."""
    import psycopg
    from django.conf import settings

    server = _server_url()
    name = f"gauntlet_{prefix}_bench_{os.getpid()}"
    database_url = _with_database(server, name)
    env = {**os.environ, **_child_environment(database_url)}
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with _environment(_child_environment(database_url)):
            subprocess.run(  # noqa: S603 - our own manage.py with our own interpreter
                [
                    sys.executable,
                    str(Path(settings.BASE_DIR) / "manage.py"),
                    "migrate",
                    "--noinput",
                    "-v",
                    "0",
                ],
                env=python_path_env(env),
                check=True,
            )
            yield database_url, env, multiprocessing.get_context("spawn")
    finally:  # the scratch database goes, whatever happened
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def in_child(ctx: Any, target: Any, *args: Any) -> Any:
    """Run ``target(*args, results)`` in one spawned process and return what it put."""
    results = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, results))
    proc.start()
    (outcome,) = _collect(results, [proc])
    return outcome


def run_claim_bench(
    *, items: int, clients: int, gunicorn_workers: int, gunicorn_threads: int
) -> dict[str, Any]:
    with scratch_database("claim") as (database_url, env, ctx):
        setup = in_child(ctx, _fill, database_url, items, items)
        contractors, queues = setup["contractors"], setup["queues"]

        shares = [contractors[n::clients] for n in range(clients)]
        raw = _run_clients(ctx, _drain_raw, [(database_url, queues["raw_sql"], s) for s in shares])
        service = _run_clients(ctx, _drain_service, [(database_url, queues["service"], s) for s in shares])
        with gunicorn(env=env, workers=gunicorn_workers, threads=gunicorn_threads) as port:
            wait_until_serving(port)  # on a busy machine a worker loads for longer than a client waits
            api = _run_clients(ctx, _drain_api, [(port, queues["api"], share) for share in shares])
        checks = _integrity(database_url)

    def rate(run: dict[str, Any]) -> float:
        return round(run["claims"] / run["wall_s"], 1) if run["wall_s"] else 0.0

    return {
        "raw_sql_claims_per_s": rate(raw),
        "service_claims_per_s": rate(service),
        "api_claims_per_s": rate(api),
        "api_p50_ms": _percentile(api["latencies"], 0.50),
        "api_p99_ms": _percentile(api["latencies"], 0.99),
        "double_claims": checks["double_claims"],
        "overfilled_items": checks["overfilled_items"],
        "service_vs_raw": round(rate(service) / rate(raw), 3) if rate(raw) else None,
        "items_per_queue": items,
        "contractors": items,
        "claims": raw["claims"] + service["claims"] + api["claims"],
        "items_never_claimed": checks["items_left"],
        "clients": clients,
        "gunicorn": f"gthread {gunicorn_workers} workers x {gunicorn_threads} threads",
        "cpu_count": os.cpu_count(),
    }
