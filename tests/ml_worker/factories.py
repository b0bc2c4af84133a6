"""Labelled examples for ml_worker tests: Examples with decided consensus rows."""

from __future__ import annotations

from django.utils import timezone

from gauntlet.workqueue.models import Queue, WorkItem
from labeling.models import Consensus, Example, InjuryLabel
from tests.factories import QueueFactory, WorkItemFactory
from tests.ml_worker.core import toy


def example_create(prompt: str, completion: str, *, batch: str = "test", source: str = "import") -> Example:
    example = Example(prompt=prompt, completion=completion, batch=batch, source=source)
    example.save()
    return example


def labelled_examples(n: int, *, seed: int = 0, injurious_fraction: float = 0.4) -> list[Example]:
    """``n`` toy stories, each with a decided final consensus label (injurious iff its verb injures)."""
    queue: Queue = QueueFactory()  # type: ignore[assignment]  # factory_boy returns the model
    out = []
    for i, item in enumerate(toy.toy_examples(n, seed=seed, injurious_fraction=injurious_fraction)):
        example = example_create(item.prompt, item.completion, batch=f"toy-{seed}-{i}")
        Consensus.objects.create(
            example=example,
            queue=queue,
            item=_item(queue),
            decided=True,
            final=True,
            label=InjuryLabel.INJURIOUS if item.label else InjuryLabel.NOT_INJURIOUS,
            method="majority",
            confidence=1.0,
            agreement=1.0,
            n_labels=3,
            computed_at=timezone.now(),
        )
        out.append(example)
    return out


def _item(queue: Queue) -> WorkItem:
    item: WorkItem = WorkItemFactory(queue=queue)  # type: ignore[assignment]
    return item
