"""Launch (and by default run in this process) a paraphrase attack batch."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attacks.models import ParaphraseBatch
from attacks.services.paraphrase import SELECTIONS, paraphrase_batch_create, paraphrase_batch_run
from gauntlet.errors import DomainError
from gauntlet.workqueue.models import Queue


class Command(BaseCommand):
    help = "Paraphrase attack: k paraphrases of each source, scored; those that pass go to verification."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sources", choices=SELECTIONS, default="adversarial")
        parser.add_argument(
            "--round", help="Only adversarial examples of this round (attacked version name)."
        )
        parser.add_argument("--example-ids", help="Comma-separated ids (with --sources examples).")
        parser.add_argument("--k", type=int, default=3)
        parser.add_argument("--paraphraser", default="lexical", help="lexical | hf:PATH | http:URL[#MODEL]")
        parser.add_argument("--verification-queue", type=int, required=True)
        parser.add_argument(
            "--enqueue", action="store_true", help="Send to a gpu worker instead of running here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queue = Queue.objects.filter(pk=options["verification_queue"]).first()
        if queue is None:
            raise CommandError(f"No queue {options['verification_queue']}.")
        ids = [int(i) for i in options["example_ids"].split(",")] if options["example_ids"] else None
        try:
            batch = paraphrase_batch_create(
                created_by=None,
                verification_queue=queue,
                selection=options["sources"],
                k=options["k"],
                paraphraser=options["paraphraser"],
                round=options["round"],
                example_ids=ids,
                enqueue=options["enqueue"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["enqueue"]:
            self.stdout.write(f"paraphrase batch {batch.pk} queued")
            return
        counts = paraphrase_batch_run(batch=ParaphraseBatch.objects.get(pk=batch.pk))
        self.stdout.write(json.dumps({"batch": batch.pk, **counts}))
