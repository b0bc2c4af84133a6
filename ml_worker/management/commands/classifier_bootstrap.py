"""``python manage.py classifier_bootstrap``: register the bundled MiniLM as baseline-minilm."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ml_worker.services.registry import classifier_bootstrap


class Command(BaseCommand):
    help = "Register the bundled backbone with a fresh seeded head as 'baseline-minilm'; promote it if none is active."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=0, help="Seed of the fresh classification head.")

    def handle(self, *args: Any, **options: Any) -> None:
        version = classifier_bootstrap(seed=options["seed"])
        self.stdout.write(
            f"classifier {version.name} (id {version.pk}) is {version.status}: {version.artifact_uri}"
        )
