"""``python manage.py agreement --input labels.csv [--json]``: agreement figures for a label CSV.

A thin wrapper over :mod:`gauntlet.agreement.cli`; reads a file, touches no database.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gauntlet.agreement.cli import LabelsFileError, format_summary, load_gold_csv, load_labels_csv
from gauntlet.agreement.report import agreement_report
from gauntlet.agreement.table import INJURY_CATEGORIES, UNSURE


class Command(BaseCommand):
    help = (
        "Inter-rater agreement for a CSV of labels with header item,rater,label (one row per judgment). "
        "Prints percent agreement, Fleiss' kappa (null when raters per item differ), Krippendorff's "
        "alpha, consensus counts and per-rater accuracy against the other raters' majority. "
        "Malformed input exits non-zero with one line naming the row (header = row 1)."
    )
    requires_system_checks: list[str] = []  # pure computation on a file; no database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="CSV file with header item,rater,label.")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object instead of a readable summary."
        )
        parser.add_argument(
            "--gold", help="Optional CSV with header item,label: known answers, for accuracy against gold."
        )
        parser.add_argument(
            "--categories",
            default=",".join(INJURY_CATEGORIES),
            help="Comma-separated allowed labels (default: %(default)s).",
        )
        parser.add_argument(
            "--abstain",
            default=UNSURE,
            help="Label meaning 'cannot tell': counted, never a vote; '' for none (default: %(default)s).",
        )
        parser.add_argument(
            "--min-overlap",
            type=int,
            default=10,
            help="Shared items a rater pair needs for a Cohen's kappa (default: %(default)s).",
        )
        parser.add_argument(
            "--no-dawid-skene", action="store_true", help="Skip the Dawid-Skene fit (faster on huge files)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        categories = tuple(name.strip() for name in options["categories"].split(",") if name.strip())
        abstain = options["abstain"] or None
        if abstain is not None and abstain not in categories:
            raise CommandError(f"--abstain {abstain!r} is not one of --categories {','.join(categories)}")
        try:
            table = load_labels_csv(options["input"], categories=categories, abstain=abstain)
            gold = (
                load_gold_csv(options["gold"], categories=categories, abstain=abstain)
                if options["gold"]
                else None
            )
            report = agreement_report(
                table,
                gold,
                min_overlap=options["min_overlap"],
                include_dawid_skene=not options["no_dawid_skene"],
            )
        except (LabelsFileError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report, allow_nan=False))
        else:
            self.stdout.write(format_summary(report))
