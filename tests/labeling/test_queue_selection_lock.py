"""Adding a selection of examples to a queue locks the queue against a second add, not against the
contractors working in it: a claim made while a big selection is still being inserted goes through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from gauntlet.workqueue.services import assignment_claim
from labeling.models import Example
from labeling.services.queue_selection import queue_items_add_examples
from tests.factories import new_contractor, new_manager
from tests.labeling.conftest import add_examples, make_example, make_queue


@pytest.mark.django_db(transaction=True)
def test_a_claim_goes_through_while_a_selection_is_being_added_to_its_queue() -> None:
    queue = make_queue(new_manager(), overlap=1)
    add_examples(queue, [make_example(0)])
    more = [make_example(n) for n in range(1, 4)]
    contractor = new_contractor()
    added, release, outcome = threading.Event(), threading.Event(), {}

    def add_and_hold() -> None:
        try:
            with transaction.atomic():
                queue_items_add_examples(
                    queue=queue, examples=Example.objects.filter(pk__in=[e.pk for e in more])
                )
                added.set()
                release.wait(30)  # the add's transaction (and its lock on the queue) stays open
        finally:
            connection.close()

    adder = threading.Thread(target=add_and_hold)
    adder.start()
    try:
        assert added.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # blocked on the queue row: fails instead of waiting
        try:
            outcome["lease"] = assignment_claim(queue=queue, contractor=contractor)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    finally:
        release.set()
        adder.join(30)
    assert outcome["lease"] is not None and outcome["lease"].item.payload["example_id"] is not None
    assert queue.items.count() == 4
