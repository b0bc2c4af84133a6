"""Benchmarks of the work queue (run with ``python manage.py bench NAME --json``)."""

from __future__ import annotations

from typing import Any

from gauntlet.common.benchmarks import Benchmark, BenchOptions


def claim(options: BenchOptions) -> dict[str, Any]:
    from gauntlet.workqueue.claim_bench import run_claim_bench

    return run_claim_bench(
        items=options.get_int("items", 200 if options.quick else 20_000),
        clients=options.get_int("clients", 4 if options.quick else 8),
        gunicorn_workers=options.get_int("gunicorn_workers", 2 if options.quick else 4),
        gunicorn_threads=options.get_int("gunicorn_threads", 2),
    )


BENCHMARKS = [
    Benchmark(
        "claim",
        "drain a 20,000-item queue with 8 client processes: raw SQL vs service vs HTTP API (PostgreSQL)",
        claim,
    ),
]
