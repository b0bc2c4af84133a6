"""Helpers for labeling tests: examples, labelling queues, and raters who work through them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Queue, QueueState, WorkItem
from gauntlet.workqueue.services import (
    assignment_claim,
    assignment_submit,
    items_add,
    queue_create,
    queue_set_state,
)
from labeling.models import Example
from labeling.services.examples import example_create
from tests.factories import new_contractor


def make_example(n: int = 0, *, batch: str = "tests", **fields: Any) -> Example:
    values: dict[str, Any] = {
        "prompt": f"Ann walked her dog. The dog saw a cat. The cat was number {n}.",
        "completion": f"The dog chased the cat up tree {n}.",
        "source": "generator",
        "batch": batch,
    }
    values.update(fields)
    return example_create(**values)


def make_queue(manager: User, *, kind: str = "injury_label", overlap: int = 3, **fields: Any) -> Queue:
    queue = queue_create(created_by=manager, name=f"{kind} queue", kind=kind, overlap=overlap, **fields)
    return queue_set_state(queue=queue, state=QueueState.OPEN)


def add_examples(queue: Queue, examples: list[Example], **row: Any) -> list[WorkItem]:
    return items_add(queue=queue, items=[{"payload": {"example_id": e.pk}, **row} for e in examples])


def work_through(
    queue: Queue, rater: User, answer: Callable[[WorkItem], dict[str, Any] | None], *, limit: int = 100
) -> int:
    """The rater claims and submits until nothing is left (or ``answer`` returns None); returns submissions."""
    done = 0
    for _ in range(limit):
        assignment = assignment_claim(queue=queue, contractor=rater)
        if assignment is None:
            return done
        data = answer(assignment.item)
        if data is None:
            return done
        assignment_submit(assignment=assignment, contractor=rater, data=data)
        done += 1
    return done


new_rater = new_contractor  # a rater is a contractor


def label_item(queue: Queue, item: WorkItem, labels: list[str]) -> list[User]:
    """Fresh raters each label ``item`` (the queue's only open item) with one of ``labels``."""
    raters = []
    for label in labels:
        rater = new_rater()
        assignment = assignment_claim(queue=queue, contractor=rater)
        assert assignment is not None and assignment.item_id == item.pk
        assignment_submit(assignment=assignment, contractor=rater, data={"label": label})
        raters.append(rater)
    return raters


# Four examples, three raters (columns), labels chosen so every figure can be worked out by hand:
#   e0: all injurious; e1: 2 not vs 1 injurious; e2: a three-way split (undecided); e3: all not.
SCENARIO = [
    ("injurious", "injurious", "injurious"),
    ("not_injurious", "not_injurious", "injurious"),
    ("injurious", "not_injurious", "unsure"),
    ("not_injurious", "not_injurious", "not_injurious"),
]


@pytest.fixture
def scenario(manager: User) -> tuple[Queue, list[Example], list[User]]:
    """An injury-label queue (overlap 3) with SCENARIO's labels submitted through the engine."""
    queue = make_queue(manager, overlap=3, description="Is anyone hurt?")
    examples = [make_example(n) for n in range(len(SCENARIO))]
    add_examples(queue, examples)
    index = {example.pk: n for n, example in enumerate(examples)}
    raters = [new_rater() for _ in range(3)]
    for column, rater in enumerate(raters):

        def answer(item: WorkItem, column: int = column) -> dict[str, Any]:
            return {"label": SCENARIO[index[item.payload["example_id"]]][column]}

        work_through(queue, rater, answer)
    return queue, examples, raters
