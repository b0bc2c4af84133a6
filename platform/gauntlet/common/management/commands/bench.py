"""``python manage.py bench NAME [--json]``: run a benchmark and print its figures."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gauntlet.common.benchmarks import BenchOptions, discover_benchmarks


class Command(BaseCommand):
    help = (
        "Run a benchmark; each measures Gauntlet's path and a bare baseline in the same run and prints "
        "the figures (ratios against the baseline). Run without a name to list them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="benchmark to run (omit to list)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--quick", action="store_true", help="tiny sizes (smoke test; figures meaningless)"
        )
        parser.add_argument(
            "--seconds", type=float, help="how long a timed benchmark runs (the same as --param seconds=N)"
        )
        parser.add_argument(
            "--param", action="append", default=[], metavar="KEY=VALUE", help="override a size or setting"
        )
        parser.add_argument("--rows", type=int, help="the same as --param rows=N (bench import)")
        parser.add_argument(
            "--under-load", action="store_true", help="the same as --param under_load=true (bench score)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        benchmarks = discover_benchmarks()
        name = options["name"]
        if not name:
            for bench in sorted(benchmarks.values(), key=lambda b: b.name):
                self.stdout.write(f"{bench.name:12} {bench.help}")
            return
        if name not in benchmarks:
            raise CommandError(f"unknown benchmark {name!r}; choose from {', '.join(sorted(benchmarks))}")
        params: dict[str, str] = {}
        for item in options["param"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--param takes KEY=VALUE, got {item!r}")
            params[key] = value
        if options["seconds"] is not None:
            if options["seconds"] <= 0:
                raise CommandError(f"--seconds must be positive, got {options['seconds']:g}")
            params["seconds"] = str(options["seconds"])
        if options.get("rows") is not None:
            params["rows"] = str(options["rows"])
        if options.get("under_load"):
            params["under_load"] = "true"
        figures = benchmarks[name].run(BenchOptions(quick=options["quick"], params=params))
        if options["json"]:
            self.stdout.write(json.dumps(figures, default=str))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key:32} {value}")
