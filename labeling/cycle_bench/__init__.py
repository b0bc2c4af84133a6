"""``python manage.py bench cycle``: the annotator loop a person waits on, end to end.

The loop the issue measured against Label Studio: ``annotators`` processes (8),
each one contractor on one keep-alive connection with token auth, asking for the
next task (``POST /api/v1/queues/{id}/claim/``) and submitting a label
(``POST /api/v1/assignments/{id}/submit/`` with ``{"label": ...}``) for ``seconds``
(60) over an injury-label queue of ``items`` (20,000) items, served by gunicorn
(gthread, 2 workers x 4 threads) on PostgreSQL with production settings (DEBUG off).
Run once with overlap 1 and once with overlap 3 (three different annotators per
item, the consensus computed when the third label lands).

Reuses the benchmarks' shared machinery in :mod:`gauntlet.workqueue.claim_bench`: the scratch
database, waiting for gunicorn, child processes and their collection, percentiles and integrity
counts (and ``gauntlet.common.processes.gunicorn``).
``double_claims`` counts items held by more live or judged assignments than they
want plus (item, contractor) pairs held twice, from the rows themselves;
``missing_consensus`` counts completed items without a Consensus row.
"""

from __future__ import annotations

import os
from typing import Any

from gauntlet.common.processes import gunicorn
from gauntlet.workqueue.claim_bench import (
    _integrity,
    _percentile,
    _run_clients,
    in_child,
    scratch_database,
    wait_until_serving,
)
from labeling.cycle_bench.clients import annotate, fill

OVERLAPS = (1, 3)


def _missing_consensus(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM workqueue_workitem i
            WHERE i.state = 'complete'
              AND NOT EXISTS (SELECT 1 FROM labeling_consensus c WHERE c.item_id = i.id)
            """
        )
        return int(cur.fetchone()[0])  # type: ignore[index]


def _setting(database_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return str(conn.execute("SELECT current_setting(%s)", [name]).fetchone()[0])  # type: ignore[index]


def cycle_figures(run: dict[str, Any], suffix: str) -> dict[str, Any]:
    submit = sorted(ms for o in run["outcomes"] for ms in o["submit_latencies"])
    return {
        f"cycles_per_s{suffix}": round(run["claims"] / run["wall_s"], 1) if run["wall_s"] else 0.0,
        f"claim_p50_ms{suffix}": _percentile(run["latencies"], 0.50),
        f"claim_p99_ms{suffix}": _percentile(run["latencies"], 0.99),
        f"submit_p50_ms{suffix}": _percentile(submit, 0.50),
        f"submit_p99_ms{suffix}": _percentile(submit, 0.99),
        f"cycles{suffix}": run["claims"],
    }


def annotators_run(ctx: Any, port: int, queue_id: int, tokens: list[str], seconds: float) -> dict[str, Any]:
    """Every annotator claims and submits on ``queue_id`` for ``seconds``; the claim bench's figures."""
    return _run_clients(
        ctx, annotate, [(port, queue_id, token, seconds, n) for n, token in enumerate(tokens)]
    )


def run_cycle_bench(
    *, items: int, annotators: int, seconds: float, gunicorn_workers: int, gunicorn_threads: int
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with scratch_database("cycle") as (database_url, env, ctx):
        setup = in_child(ctx, fill, database_url, items, annotators, list(OVERLAPS))
        with gunicorn(env=env, workers=gunicorn_workers, threads=gunicorn_threads) as port:
            wait_until_serving(port)
            for overlap in OVERLAPS:
                run = annotators_run(ctx, port, setup["queues"][overlap], setup["tokens"], seconds)
                figures.update(cycle_figures(run, "" if overlap == 1 else "_overlap3"))
        checks = _integrity(database_url)
        missing = _missing_consensus(database_url)
        autovacuum = _setting(database_url, "autovacuum")
    return {
        **figures,
        "double_claims": checks["double_claims"],
        "overfilled_items": checks["overfilled_items"],
        "missing_consensus": missing,
        "label_studio_cycles_per_s": 11.2,  # measured on this machine, same loop (issue 17)
        "vs_label_studio": round(figures["cycles_per_s"] / 11.2, 1),
        "items": items,
        "annotators": annotators,
        "seconds": seconds,
        "gunicorn": f"gthread {gunicorn_workers} workers x {gunicorn_threads} threads",
        "cpu_count": os.cpu_count(),
        # off on this machine: the fill analyses only what it wrote (claim_bench.clients.analyze_filled)
        "postgres_autovacuum": autovacuum,
    }
