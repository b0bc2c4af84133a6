"""``python manage.py bench queue_from_batch --json``: a 20,000-example batch into a queue.

Against the configured database (PostgreSQL in production and tests), inside one
transaction that is rolled back at the end, so nothing is left behind:

- ``bare_seconds``: one hand-written ``INSERT … SELECT`` from the examples table
  into work items (no dedupe, no Django objects): the floor;
- ``seconds``: :func:`labeling.services.queue_selection.queue_items_add_examples`
  over ``example_selection_search(batch=…)`` (the API's and the page's path),
  into a fresh queue;
- ``readd_seconds`` / ``readd_added``: the same selection again (adds nothing);
- with ``--param per_row=1`` also ``per_row_seconds``: the per-row
  ``items_add`` path behind ``POST /queues/{id}/items/`` (≈15 s; off by default).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.db import connection, transaction

from gauntlet.common.benchmarks import BenchOptions

TARGET_SECONDS = 2.0


class _Discard(Exception):
    """Raised to roll the benchmark's transaction back."""


def _bare_insert(queue_id: int, batch: str, overlap: int) -> None:
    payload = (
        "jsonb_build_object('example_id', e.id)"
        if connection.vendor == "postgresql"
        else "json_object('example_id', e.id)"
    )
    now = "now()" if connection.vendor == "postgresql" else "CURRENT_TIMESTAMP"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workqueue_workitem (queue_id, payload, key, author_id, judgments_wanted, "  # noqa: S608
            "judgments_received, active_leases, escalations, is_gold, priority, state, created_at) "
            f"SELECT %s, {payload}, '', e.author_id, %s, 0, 0, 0, false, 0, 'open', {now} "
            "FROM labeling_example e WHERE e.batch = %s",
            [queue_id, overlap, batch],
        )


def bench_queue_from_batch(options: BenchOptions) -> dict[str, Any]:
    from gauntlet.accounts.models import Role, User
    from gauntlet.workqueue.models import WorkItem
    from gauntlet.workqueue.services import items_add, queue_create
    from labeling.models import Example, content_hash
    from labeling.services.queue_selection import queue_items_add_examples
    from ml_worker.example_selection import ExampleSelection, example_selection_search

    n = options.get_int("items", 200 if options.quick else 20_000)
    figures: dict[str, Any] = {"database": connection.vendor, "items": n, "target_seconds": TARGET_SECONDS}
    try:
        with transaction.atomic():
            tag = uuid.uuid4().hex[:8]
            batch = f"bench-{tag}"
            manager = User.objects.create_user(email=f"bench-{tag}@example.com", role=Role.MANAGER)
            rows = []
            for i in range(n):
                prompt = f"Story {i}: Ann walked her dog. The dog saw a cat. The cat ran."
                completion = f"The dog chased the cat up tree number {i}."
                rows.append(
                    Example(
                        prompt=prompt,
                        completion=completion,
                        batch=batch,
                        content_hash=content_hash(prompt, completion),
                    )
                )
            Example.objects.bulk_create(rows, batch_size=2000)

            def new_queue(name: str) -> Any:
                return queue_create(created_by=manager, name=name, kind="injury_label", overlap=3)

            bare_queue = new_queue("bench bare")
            started = time.perf_counter()
            _bare_insert(bare_queue.pk, batch, bare_queue.overlap)
            figures["bare_seconds"] = round(time.perf_counter() - started, 3)

            queue = new_queue("bench service")
            selection = example_selection_search(selection=ExampleSelection(batch=batch))
            started = time.perf_counter()
            report = queue_items_add_examples(queue=queue, examples=selection)
            figures["seconds"] = round(time.perf_counter() - started, 3)
            figures["added"] = report.added
            started = time.perf_counter()
            again = queue_items_add_examples(queue=queue, examples=selection)
            figures["readd_seconds"] = round(time.perf_counter() - started, 3)
            figures["readd_added"] = again.added

            if options.params.get("per_row") == "1":
                per_row_queue = new_queue("bench per row")
                ids = list(Example.objects.filter(batch=batch).values_list("id", flat=True))
                started = time.perf_counter()
                items_add(queue=per_row_queue, items=[{"payload": {"example_id": i}} for i in ids])
                figures["per_row_seconds"] = round(time.perf_counter() - started, 3)
            figures["items_in_queue"] = WorkItem.objects.filter(queue=queue).count()
            raise _Discard
    except _Discard:
        pass
    figures["ratio_to_bare"] = round(figures["seconds"] / max(figures["bare_seconds"], 1e-6), 2)
    figures["meets_target"] = figures["seconds"] <= TARGET_SECONDS
    return figures
