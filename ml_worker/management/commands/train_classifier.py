"""``python manage.py train_classifier``: train a classifier version in this process, with progress bars.

Runs the same service as the Celery task ``train_classifier``; interrupt it and
run ``--resume RUN_ID`` to continue from the last checkpoint.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gauntlet.errors import DomainError
from ml_worker.models import ClassifierVersion, RunStatus, TrainingRun
from ml_worker.services.training import training_run_create, training_run_execute


class Command(BaseCommand):
    help = "Snapshot the consensus labels, fine-tune a classifier version and (by default) promote it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--from-version", help="Start from this version (id or name) instead of the backbone."
        )
        parser.add_argument("--name", help="Name of the new version (default: timestamped).")
        parser.add_argument("--epochs", type=int)
        parser.add_argument("--lr", type=float)
        parser.add_argument("--batch-size", type=int)
        parser.add_argument("--max-length", type=int)
        parser.add_argument("--seed", type=int)
        parser.add_argument("--sift", action="store_true", help="SiFT virtual adversarial regularisation.")
        parser.add_argument(
            "--class-weighting",
            choices=["balanced", "none", "oversample"],
            help="How to treat the rare class.",
        )
        parser.add_argument(
            "--source-weight",
            action="append",
            default=[],
            metavar="SOURCE=W",
            help="Loss weight per example source, e.g. tool_assisted=2 (repeatable).",
        )
        parser.add_argument("--val-fraction", type=float)
        parser.add_argument(
            "--include-imported", action="store_true", help="Use imported labels without consensus."
        )
        parser.add_argument("--synthetic", type=int, default=0, help="Train on N synthetic stories instead.")
        parser.add_argument(
            "--no-promote", action="store_true", help="Leave the new version ready, not active."
        )
        parser.add_argument("--resume", type=int, metavar="RUN_ID", help="Continue an interrupted run.")
        parser.add_argument("--json", action="store_true", help="Print the version's metrics as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume"]:
            run = TrainingRun.objects.filter(pk=options["resume"]).first()
            if run is None:
                raise CommandError(f"No training run {options['resume']}.")
        else:
            try:
                run = training_run_create(
                    created_by=None,
                    from_version=self._version(options["from_version"]),
                    name=options["name"],
                    config=self._config(options),
                    enqueue=False,
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"training run {run.pk} -> version {run.version.name}")
        run = training_run_execute(run_id=run.pk, progress_bar=True)
        run.version.refresh_from_db()
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"training run {run.pk} is {run.status}: {run.error or 'stopped'}")
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"version": run.version.name, "status": run.version.status, **run.version.metrics},
                    indent=2,
                )
            )
        else:
            metrics = run.version.metrics
            self.stdout.write(
                f"version {run.version.name} is {run.version.status}: val AUC {metrics.get('val_auc')}, "
                f"recall@{metrics.get('threshold')} {metrics.get('val_recall')}"
            )

    def _version(self, ref: str | None) -> ClassifierVersion | None:
        if not ref:
            return None
        version = ClassifierVersion.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
        version = version or ClassifierVersion.objects.filter(name=ref).first()
        if version is None:
            raise CommandError(f"No classifier version {ref!r}.")
        return version

    def _config(self, options: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"promote": not options["no_promote"]}
        for key in ("epochs", "lr", "batch_size", "max_length", "seed", "class_weighting", "val_fraction"):
            if options[key] is not None:
                config[key] = options[key]
        if options["sift"]:
            config["sift"] = True
        if options["include_imported"]:
            config["include_imported"] = True
        if options["synthetic"]:
            config["synthetic"] = options["synthetic"]
        weights = {}
        for item in options["source_weight"]:
            source, _, weight = item.partition("=")
            try:
                weights[source] = float(weight)
            except ValueError:
                raise CommandError(f"--source-weight takes SOURCE=WEIGHT, not {item!r}") from None
        if weights:
            config["source_weights"] = weights
        return config
