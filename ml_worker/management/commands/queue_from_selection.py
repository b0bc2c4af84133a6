"""``python manage.py queue_from_selection (--queue ID | --name NAME) [filters] [--open] [--json]``"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gauntlet.errors import DomainError
from gauntlet.workqueue.models import Queue, QueueState
from gauntlet.workqueue.services import queue_set_state
from labeling.example_search import CONSENSUS_FILTERS
from labeling.models import Source
from labeling.services.queue_selection import (
    example_queue_kinds,
    queue_create_from_examples,
    queue_items_add_examples,
)
from ml_worker.example_selection import ExampleSelection, example_selection_search


class Command(BaseCommand):
    help = (
        "Add every example a selection matches (batch, source, consensus label, text, latest score "
        "range) to a queue, each example once: to an existing queue (--queue) or to a new one (--name). "
        "Examples the queue already has are counted, not added again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--queue", type=int, help="Add to this existing queue.")
        target.add_argument("--name", help="Create a new queue with this name.")
        parser.add_argument(
            "--kind", default="injury_label", choices=example_queue_kinds(), help="New queue's kind."
        )
        parser.add_argument("--overlap", type=int, default=3, help="New queue: judgments per item.")
        parser.add_argument("--batch", default="", help="Only examples of this batch.")
        parser.add_argument("--source", default="", choices=["", *Source.values], help="Only this source.")
        parser.add_argument(
            "--consensus-label", default="", choices=["", *CONSENSUS_FILTERS], help="Final consensus label."
        )
        parser.add_argument("--text", default="", help="Substring of prompt or completion.")
        parser.add_argument("--score-min", type=float, help="Latest score at least (0-1).")
        parser.add_argument("--score-max", type=float, help="Latest score at most (0-1).")
        parser.add_argument("--open", action="store_true", help="Open the queue once its items are in.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        selection = ExampleSelection(
            batch=options["batch"],
            source=options["source"],
            consensus_label=options["consensus_label"],
            text=options["text"],
            score_min=options["score_min"],
            score_max=options["score_max"],
        )
        if selection.is_empty():
            raise CommandError(
                "Name at least one filter (--batch, --source, --consensus-label, --text, --score-*)."
            )
        examples = example_selection_search(selection=selection)
        try:
            if options["queue"] is not None:
                queue = Queue.objects.filter(pk=options["queue"]).first()
                if queue is None:
                    raise CommandError(f"There is no queue {options['queue']}.")
                report = queue_items_add_examples(queue=queue, examples=examples)
                if options["open"] and queue.state != QueueState.OPEN:
                    queue = queue_set_state(queue=queue, state=QueueState.OPEN)
            else:
                queue, report = queue_create_from_examples(
                    created_by=None,
                    name=options["name"],
                    kind=options["kind"],
                    examples=examples,
                    open_queue=options["open"],
                    overlap=options["overlap"],
                )
        except DjangoValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        queue.refresh_from_db()
        result = {**report.as_dict(), "queue_name": queue.name, "queue_state": queue.state}
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(
                f"queue {queue.pk} ({queue.name}, {queue.state}): {report.added} items added, "
                f"{report.already_in_queue} already in the queue, {report.repeated} repeats "
                f"({report.seconds}s)"
            )
