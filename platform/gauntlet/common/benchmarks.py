"""The benchmark protocol behind ``python manage.py bench``.

Each installed app may ship a ``benchmarks`` module exposing ``BENCHMARKS``, a
list of :class:`Benchmark`. A benchmark measures Gauntlet's path *and* a bare
baseline in the same run and returns one flat JSON-serialisable dict of
figures; the command prints it. Benchmarks are never timed tests: the test
suite only runs them with ``quick=True`` to prove they work.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class BenchOptions:
    quick: bool = False  # tiny sizes, for the test suite; figures are meaningless
    params: dict[str, str] = field(default_factory=dict)  # --param key=value overrides

    def get_int(self, key: str, default: int) -> int:
        return int(self.params.get(key, default))


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    run: Callable[[BenchOptions], dict[str, Any]]


def discover_benchmarks() -> dict[str, Benchmark]:
    """Every ``BENCHMARKS`` entry of every installed app, by name."""
    found: dict[str, Benchmark] = {}
    for app_config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{app_config.name}.benchmarks")
        except ModuleNotFoundError as exc:
            if exc.name == f"{app_config.name}.benchmarks":
                continue
            raise
        for bench in getattr(module, "BENCHMARKS", []):
            found[bench.name] = bench
    return found
