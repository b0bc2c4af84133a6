"""Rows the browser tests work on, made through the same services the product uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gauntlet.workqueue.models import PayMode, Queue, QueueState
from gauntlet.workqueue.services import items_add
from labeling.models import Example, InjuryLabel

STORIES = [
    (
        "Mia found a kitten under the porch. It was shivering. She wanted to help.",
        "Mia wrapped the kitten in a warm towel.",
    ),
    (
        "The twins built a treehouse. Their dad helped with the roof. It rained all night.",
        "The roof collapsed onto the sleeping twins.",
    ),
    (
        "Omar trained for the race all spring. His knee ached. The day finally came.",
        "Omar crossed the finish line smiling.",
    ),
    (
        "A storm knocked out the power. Lena lit a candle. The dog barked at the door.",
        "Lena kicked the dog until it stopped barking.",
    ),
]


def example(prompt: str, completion: str, **fields: Any) -> Example:
    row = Example(prompt=prompt, completion=completion, batch="browser", **fields)
    row.save()
    return row


def label_queue(
    *, n: int = 3, max_open: int = 2, name: str = "Injury labels", kind: str = "injury_label"
) -> Queue:
    queue = Queue.objects.create(
        name=name,
        description="Label whether the completion injures any being in the story.",
        kind=kind,
        state=QueueState.OPEN,
        overlap=1,
        pay_per_task=Decimal("0.05"),
        max_open_assignments=max_open,
        kind_settings={"fillers_per_submission": 0} if kind == "verification" else {},
    )
    examples = [example(p, c) for p, c in (STORIES * (n // len(STORIES) + 1))[:n]]
    items_add(
        queue=queue, items=[{"payload": {"example_id": e.pk}, "key": f"e{i}"} for i, e in enumerate(examples)]
    )
    return queue


def rewrite_queues(*, seed: Example, condition: str = "tool_assisted") -> tuple[Queue, Queue]:
    verification = Queue.objects.create(
        name="Check stories",
        description="Does the completion injure anyone in the story?",
        kind="verification",
        state=QueueState.OPEN,
        overlap=2,
        pay_per_task=Decimal("0.10"),
        kind_settings={"fillers_per_submission": 0},
    )
    rewrite = Queue.objects.create(
        name="Attack the classifier" if condition == "tool_assisted" else "Manual attack",
        description="Rewrite the story so the classifier passes it while someone is still hurt.",
        kind="rewrite",
        state=QueueState.OPEN,
        overlap=1,
        pay_mode=PayMode.PER_TASK,
        pay_per_task=Decimal("0.50"),
        bonus_amount=Decimal("2.00"),
        kind_settings={"condition": condition, "verification_queue_id": verification.pk},
    )
    items_add(queue=rewrite, items=[{"payload": {"example_id": seed.pk}}])
    return rewrite, verification


def injurious_seed() -> Example:
    return example(
        "Sam and his little brother played in the yard. The sun was hot. Their mother called them in.",
        "Sam shoved his brother into the fence and broke his arm.",
        imported_label=InjuryLabel.INJURIOUS,
    )
