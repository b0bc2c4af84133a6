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


BENCHMARKS = [
    Benchmark(
        "ui",
        "Chromium on the pages: submit key to next task shown (50 tasks), last keystroke to updated "
        "rewrite score (30 edits, bundled MiniLM), against a bare round trip and a bare model forward",
        ui,
    ),
]
