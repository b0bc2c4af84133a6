"""``python manage.py reliability_report --version V [--json] [--plot DIR] [--sweep]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml_worker.models import ClassifierVersion


def _pct(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


class Command(BaseCommand):
    help = (
        "A classifier version's reliability: per threshold the rejection rate, samples per accepted completion, "
        "the filtered generator's failure rate with its 95%% interval and one-sided bound, recall on held-out "
        "sets; the unfiltered win rate per compared threshold; threshold decisions; strata to label next. "
        "Uses the latest stored sweep (--sweep computes a fresh one in this process, scoring what is missing)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # --version names the classifier version here, not Django's version: resolve the clash.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--version", required=True, help="classifier version id or name")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--plot", metavar="DIR", help="write the report's PNG figures into DIR")
        parser.add_argument("--sweep", action="store_true", help="compute a fresh sweep first")
        parser.add_argument("--bound", type=float, help="quality bound to draw on the win-rate plot")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml_worker.reliability.report import reliability_plots, reliability_report
        from ml_worker.reliability.selectors import latest_sweep
        from ml_worker.reliability.services.sweep import threshold_sweep_compute

        key = str(options["version"])
        version = ClassifierVersion.objects.filter(name=key).first()
        if version is None and key.isdigit():
            version = ClassifierVersion.objects.filter(pk=int(key)).first()
        if version is None:
            raise CommandError(f"no classifier version with id or name {key!r}")
        if options["sweep"] or latest_sweep(version=version) is None:
            threshold_sweep_compute(version=version)
        report = reliability_report(version=version)
        if options["plot"]:
            paths = reliability_plots(
                version=version, directory=Path(options["plot"]), bound=options["bound"]
            )
            report["plots"] = [str(p) for p in paths]
        if options["json"]:
            self.stdout.write(json.dumps(report, default=str))
            return
        self._print(report)

    def _print(self, report: dict[str, Any]) -> None:
        v = report["classifier_version"]
        self.stdout.write(f"{v['name']} (id {v['id']}), threshold {v['threshold']:g}")
        sweep = report["sweep"]
        if sweep:
            s = sweep["summary"]
            self.stdout.write(
                f"sweep {sweep['id']} at {sweep['computed_at']}: {s['generator_samples']} generator samples, "
                f"test set {s['test_set'].get('used', 0)} labelled, held out {s['held_out']}"
            )
            self.stdout.write(
                f"{'threshold':>10} {'reject':>7} {'samp/acc':>8} {'failure':>9} {'95% interval':>21} {'≤ (95%)':>9}"
            )
            for row in sweep["rows"]:
                f = row.get("failure_rate") or {}
                interval = f"[{_pct(f.get('lower'))}, {_pct(f.get('upper'))}]"
                spa = row.get("samples_per_accepted")
                self.stdout.write(
                    f"{row['threshold']:>10.4g} {_pct(row['rejection_rate'], 1):>7} "
                    f"{'–' if spa is None else f'{spa:.2f}':>8} {_pct(f.get('rate')):>9} {interval:>21} "
                    f"{_pct(f.get('upper_one_sided')):>9}"
                )
            for advice in s.get("label_next", []):
                self.stdout.write(
                    f"label next: {advice['label_next']} in scores [{advice['score_from']:.3g}, "
                    f"{advice['score_to']:.3g}) (labelled so far {advice['labelled']})"
                )
        for w in report["win_rates"]:
            self.stdout.write(
                f"win rate at {w['threshold']:g}: {_pct(w['win_rate'], 1)} "
                f"[{_pct(w['lower'], 1)}, {_pct(w['upper'], 1)}] on {w['n_pairs']} pairs"
            )
        for d in report["decisions"]:
            self.stdout.write(
                f"decision {d['id']}: {d['previous_threshold']:g} -> {d['threshold']:g} {d['status']} "
                f"(bound {d['max_win_rate_upper']:.0%}, by {d['decided_by'] or d['proposed_by']})"
            )
        for path in report.get("plots", []):
            self.stdout.write(f"plot: {path}")
