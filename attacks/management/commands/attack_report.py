"""Print the cost per adversarial example (by attacked version × source), optionally as JSON or a plot."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from attacks.reports import cost_per_adversarial_example, cost_plot


def _fmt(value: Any, ci: list[float] | None = None) -> str:
    if value is None:
        return "-"
    text = f"{float(value):.2f}"
    return f"{text} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else text


def _money(group: dict[str, Any]) -> str:
    """Money per example in each of the row's currencies (never added across currencies)."""
    parts = [
        f"{_fmt(m['money_per_example'], m['money_per_example_ci'])} {m['currency']}"
        for m in group["money_by_currency"]
    ]
    return "; ".join(parts) or _fmt(group["money_per_example"], group["money_per_example_ci"])


class Command(BaseCommand):
    help = "Cost per adversarial example: attempts, success rate, minutes and money per verified example (95% CI)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the whole report as JSON.")
        parser.add_argument(
            "--plot", metavar="PATH.png", help="Also write minutes and dollars per example by version."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = cost_per_adversarial_example()
        if options["plot"]:
            cost_plot(report, options["plot"])
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        header = f"{'version':<20} {'source':<14} {'attempts':>8} {'verified':>8} {'success':>22} {'min/example':>24} {'money/example':>28}"
        self.stdout.write(header)
        for g in report["groups"]:
            success = _fmt(g["success_rate"], g["success_rate_ci"])
            self.stdout.write(
                f"{g['classifier_version']:<20} {g['source']:<14} {g['attempts']:>8} {g['verified']:>8} {success:>22} "
                f"{_fmt(g['minutes_per_example'], g['minutes_per_example_ci']):>24} "
                f"{_money(g):>28}"
            )
        if options["plot"]:
            self.stdout.write(f"plot written to {options['plot']}")
