"""Benchmarks of labeling (run with ``python manage.py bench NAME --json``)."""

from __future__ import annotations

from typing import Any

from gauntlet.common.benchmarks import Benchmark, BenchOptions


def cycle(options: BenchOptions) -> dict[str, Any]:
    from labeling.cycle_bench import run_cycle_bench

    return run_cycle_bench(
        items=options.get_int("items", 300 if options.quick else 20_000),
        annotators=options.get_int("annotators", 8),
        seconds=float(options.params.get("seconds", 3 if options.quick else 60)),
        gunicorn_workers=options.get_int("gunicorn_workers", 2),
        gunicorn_threads=options.get_int("gunicorn_threads", 4),
    )


def consensus_refit(options: BenchOptions) -> dict[str, Any]:
    from labeling.cycle_bench.refit import run_refit_bench

    return run_refit_bench(
        items=options.get_int("items", 2_000 if options.quick else 200_000),
        per_item=options.get_int("per_item", 5),
        annotators=options.get_int("annotators", 8),
        seconds=float(options.params.get("seconds", 3 if options.quick else 60)),
        gunicorn_workers=options.get_int("gunicorn_workers", 2),
        gunicorn_threads=options.get_int("gunicorn_threads", 4),
        # the background worker's niceness (GAUNTLET_BACKGROUND_WORKER_NICE) unless given
        refit_nice=int(options.params["refit_nice"]) if "refit_nice" in options.params else None,
    )


def import_(options: BenchOptions) -> dict[str, Any]:
    from labeling.import_bench import run_import_bench

    return run_import_bench(
        rows=options.get_int("rows", 2_000 if options.quick else 1_000_000),
        use_current=options.params.get("database") == "current",
    )


BENCHMARKS = [
    Benchmark(
        "cycle",
        "8 annotators claim + submit a label for 60 s over 20,000 items via gunicorn (overlap 1 and 3)",
        cycle,
    ),
    Benchmark(
        "consensus_refit",
        "a Dawid-Skene refit of a 1M-label queue in the background; submit p99 alone vs during it",
        consensus_refit,
    ),
    Benchmark(
        "import",
        "a 1,000,000-row gzip JSONL upload through the background import job: seconds and peak RSS over idle",
        import_,
    ),
]
