"""``python manage.py export_dataset --queue ID [--queue ID …] [--format jsonl|csv|hf] --output PATH_OR_S3_URI``"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gauntlet.workqueue.models import Queue
from labeling.services.exports import FORMATS, ExportError, dataset_export


class Command(BaseCommand):
    help = "Export the decided consensus labels of injury-label queues, with a manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue", type=int, action="append", required=True, help="Queue id (repeatable)."
        )
        parser.add_argument("--format", choices=FORMATS, default="jsonl")
        parser.add_argument("--output", required=True, help="A folder or s3://bucket/prefix.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids: list[int] = options["queue"]
        queues = list(Queue.objects.filter(pk__in=ids).order_by("id"))
        missing = sorted(set(ids) - {queue.pk for queue in queues})
        if missing:
            raise CommandError(f"no queue with id {', '.join(map(str, missing))}")
        try:
            manifest = dataset_export(queues=queues, file_format=options["format"], output=options["output"])
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(manifest, indent=2))
