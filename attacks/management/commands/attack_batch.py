"""Launch (and by default run in this process) an automated word-importance attack batch."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attacks.models import AttackBatch
from attacks.services.paraphrase import SELECTIONS
from attacks.services.word_attack import attack_batch_create, attack_batch_run
from gauntlet.errors import DomainError
from gauntlet.workqueue.models import Queue


class Command(BaseCommand):
    help = (
        "Automated attack: a greedy word-importance attack (saliency-ranked words, ranked substitutions and "
        "insertions, a query budget, MiniLM similarity >= --min-similarity) on each source against the "
        "active classifier; results below its threshold go to blind verification."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sources", choices=SELECTIONS, default="injurious")
        parser.add_argument(
            "--round", help="Only adversarial examples of this round (with --sources adversarial)."
        )
        parser.add_argument("--example-ids", help="Comma-separated ids (with --sources examples).")
        parser.add_argument("--query-budget", type=int, default=200, help="Classifier queries per source.")
        parser.add_argument("--max-changes", type=int, default=4, help="Most words edited per source.")
        parser.add_argument("--min-similarity", type=float, default=0.8)
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
            batch = attack_batch_create(
                created_by=None,
                verification_queue=queue,
                selection=options["sources"],
                round=options["round"],
                example_ids=ids,
                query_budget=options["query_budget"],
                max_changes=options["max_changes"],
                min_similarity=options["min_similarity"],
                enqueue=options["enqueue"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["enqueue"]:
            self.stdout.write(f"attack batch {batch.pk} queued")
            return
        counts = attack_batch_run(batch=AttackBatch.objects.get(pk=batch.pk))
        self.stdout.write(json.dumps({"batch": batch.pk, **counts}))
