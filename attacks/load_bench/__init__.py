"""``python manage.py bench load``: 200 contractors at once, and what the database says afterwards.

``contractors`` (200) simulated contractors on loopback, dealt round-robin to three queues of one
scratch database: a per-task injury-label queue, a verification queue and an hourly queue (where
each holds two leases at once and heartbeats both). Each claims, heartbeats twice while it
"reads" (``think_s``, 0.5 s on average), and submits a label, for ``seconds`` (180), through
gunicorn (gthread, 2 workers x 4 threads) on PostgreSQL with production settings. The contractors
are threads in ``client_processes`` (4) processes, one keep-alive connection each. After the run
every submitted assignment is approved (the auto-approval service) and the invariants are counted
from the rows themselves:

- ``double_leases``: items held by more live or judged assignments than they want, plus (item,
  contractor) pairs held twice (the claim benchmark's count), plus overfilled items;
- ``double_pay``: assignments with more than one task or hourly pay entry, plus approved
  assignments with none (paid never is as wrong as paid twice);
- ``hourly_over_wall``: contractors whose counted active time exceeds the run's wall time;
- ``server_errors``: answers of 500 or above (and dropped connections).

Throughput is operations per second of wall time; p50/p99 per operation in ms. Reuses the
benchmarks' shared machinery (:mod:`gauntlet.workqueue.claim_bench`: the scratch database,
waiting for gunicorn, child processes, percentiles, the lease integrity counts).
"""

from __future__ import annotations

import math
import os
from typing import Any

from attacks.load_bench.clients import approve_all, contractors_run, fill
from gauntlet.common.processes import gunicorn
from gauntlet.workqueue.claim_bench import (
    _integrity,
    _percentile,
    _run_clients,
    in_child,
    scratch_database,
    wait_until_serving,
)


def _one(cur: Any, sql: str, params: tuple[Any, ...] = ()) -> int:
    cur.execute(sql, params)
    return int(cur.fetchone()[0])


def load_invariants(database_url: str, *, wall_s: float) -> dict[str, int]:
    """The invariants, counted from the rows (not from any counter the code keeps)."""
    import psycopg

    leases = _integrity(database_url)
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        paid_twice = _one(
            cur,
            """SELECT count(*) FROM (SELECT assignment_id FROM payments_ledgerentry
               WHERE kind IN ('task_pay', 'hourly_pay') AND assignment_id IS NOT NULL
               GROUP BY assignment_id HAVING count(*) > 1) twice""",
        )
        never_paid = _one(  # per-task work approved and never paid (hourly carries sub-cent remainders)
            cur,
            """SELECT count(*) FROM workqueue_assignment a JOIN workqueue_queue q ON q.id = a.queue_id
               WHERE a.status = 'approved' AND q.pay_mode = 'per_task' AND q.pay_per_task > 0
               AND NOT EXISTS (SELECT 1 FROM payments_ledgerentry e
                               WHERE e.assignment_id = a.id AND e.kind = 'task_pay')""",
        )
        wall = math.ceil(wall_s)
        over_wall = _one(  # counted active time above the run's wall time, or hourly pay above it
            cur,
            """SELECT count(*) FROM (
                 SELECT contractor_id FROM workqueue_assignment
                 GROUP BY contractor_id HAVING sum(active_seconds) > %s
                 UNION
                 SELECT e.contractor_id FROM payments_ledgerentry e
                 JOIN accounts_contractorprofile p ON p.user_id = e.contractor_id
                 WHERE e.kind = 'hourly_pay' GROUP BY e.contractor_id, p.hourly_rate
                 HAVING sum(e.amount) > p.hourly_rate * %s / 3600 + 0.01) over""",
            (wall, wall),
        )
        approved = _one(cur, "SELECT count(*) FROM workqueue_assignment WHERE status = 'approved'")
        hourly_seconds = _one(
            cur,
            """SELECT coalesce(max(per), 0) FROM (SELECT sum(a.active_seconds) AS per
               FROM workqueue_assignment a JOIN workqueue_queue q ON q.id = a.queue_id
               WHERE q.pay_mode = 'hourly' GROUP BY a.contractor_id) t""",
        )
    return {
        "double_leases": leases["double_claims"] + leases["overfilled_items"],
        "double_pay": paid_twice + never_paid,
        "hourly_over_wall": over_wall,
        "approved": approved,
        "hourly_max_seconds_per_contractor": hourly_seconds,
    }


def _figures(run: dict[str, Any]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    wall = run["wall_s"]
    for operation in ("claim", "heartbeat", "submit"):
        latencies = sorted(ms for o in run["outcomes"] for ms in o["operations"][operation])
        figures[f"{operation}_per_s"] = round(len(latencies) / wall, 1) if wall else 0.0
        figures[f"{operation}_p50_ms"] = _percentile(latencies, 0.50)
        figures[f"{operation}_p99_ms"] = _percentile(latencies, 0.99)
    return figures


def run_load_bench(
    *,
    contractors: int,
    seconds: float,
    items: int,
    think_s: float,
    client_processes: int,
    gunicorn_workers: int,
    gunicorn_threads: int,
) -> dict[str, Any]:
    with scratch_database("load") as (database_url, env, ctx):
        setup = in_child(ctx, fill, database_url, items, contractors)
        people, queues = setup["contractors"], setup["queues"]
        shares = [people[n::client_processes] for n in range(client_processes)]
        with gunicorn(env=env, workers=gunicorn_workers, threads=gunicorn_threads) as port:
            wait_until_serving(port)
            run = _run_clients(
                ctx, contractors_run, [(port, share, queues, seconds, think_s) for share in shares]
            )
        approved = in_child(ctx, approve_all, database_url)
        checks = load_invariants(database_url, wall_s=run["wall_s"])
    statuses: dict[str, int] = {}
    for outcome in run["outcomes"]:
        for status, count in outcome["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    server_errors = sum(n for s, n in statuses.items() if s == "connection_error" or int(s) >= 500)
    return {
        **_figures(run),
        "submits": sum(o["submits"] for o in run["outcomes"]),
        "double_leases": checks["double_leases"],
        "double_pay": checks["double_pay"],
        "hourly_over_wall": checks["hourly_over_wall"],
        "server_errors": server_errors,
        "statuses": statuses,
        "approved_after_run": approved["approved"],
        "hourly_max_seconds_per_contractor": checks["hourly_max_seconds_per_contractor"],
        "wall_s": round(run["wall_s"], 1),
        "contractors": contractors,
        "seconds": seconds,
        "think_s": think_s,
        "client_processes": client_processes,
        "gunicorn": f"gthread {gunicorn_workers} workers x {gunicorn_threads} threads",
        "cpu_count": os.cpu_count(),
    }
