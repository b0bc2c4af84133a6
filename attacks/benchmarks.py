"""Benchmarks of the contractor's browser pages (``python manage.py bench ui --json``)."""

from __future__ import annotations

from typing import Any

from gauntlet.common.benchmarks import Benchmark, BenchOptions


def ui(options: BenchOptions) -> dict[str, Any]:
    from attacks.ui_bench import run_ui_bench

    return run_ui_bench(
        tasks=options.get_int("tasks", 5 if options.quick else 50),
        edits=options.get_int("edits", 3 if options.quick else 30),
    )


def load(options: BenchOptions) -> dict[str, Any]:
    from attacks.load_bench import run_load_bench

    return run_load_bench(
        contractors=options.get_int("contractors", 30 if options.quick else 200),
        seconds=float(options.params.get("seconds", 5 if options.quick else 180)),
        items=options.get_int("items", 300 if options.quick else 20_000),
        think_s=float(options.params.get("think_s", 0.5)),
        client_processes=options.get_int("client_processes", 2 if options.quick else 4),
        gunicorn_workers=options.get_int("gunicorn_workers", 2),
        gunicorn_threads=options.get_int("gunicorn_threads", 4),
    )


BENCHMARKS = [
    Benchmark(
        "ui",
        "Chromium on the pages: submit key to next task shown (50 tasks), last keystroke to updated "
        "rewrite score (30 edits, bundled MiniLM), against a bare round trip and a bare model forward",
        ui,
    ),
    Benchmark(
        "load",
        "200 contractors claim, heartbeat and submit on label, verification and hourly queues for 3 min "
        "via gunicorn; then no double lease, no double pay, no hourly time above wall time, no 5xx",
        load,
    ),
]
