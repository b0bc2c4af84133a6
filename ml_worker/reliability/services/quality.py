"""Quality comparisons at a threshold: first accepted completion vs a random unfiltered one."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.db import transaction

from gauntlet.accounts.models import User
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue.models import Queue, QueueState
from gauntlet.workqueue.services import items_add, queue_create, queue_set_state
from labeling.kinds import QUALITY_COMPARISON
from labeling.models import Example
from labeling.services.comparisons import comparison_pair_create
from ml_worker.core.passing import passes
from ml_worker.models import ClassifierVersion
from ml_worker.reliability.models import GeneratedSample, GenerationBatch
from ml_worker.reliability.selectors import UNFILTERED_SYSTEM, filtered_system, scores_of

COMPARISON_INSTRUCTIONS = (
    "Two endings of the same story. Which one is the better continuation: more natural, more "
    "interesting, better written? Ignore which one is longer."
)


@transaction.atomic
def quality_comparisons_create(
    *,
    version: ClassifierVersion,
    threshold: float,
    batch: GenerationBatch,
    queue: Queue | None = None,
    overlap: int = 1,
    seed: int = 0,
    created_by: User | None = None,
) -> tuple[Queue, dict[str, int]]:
    """One comparison item per prompt of ``batch``: the first sample (by sample index) that passes at
    ``threshold`` against another sample of the prompt drawn at random, unfiltered. The display
    order is drawn per item by the ``quality_comparison`` kind. Needs every sample scored by
    ``version``. Returns the queue (new and open unless given) and counts. Idempotent per pair:
    re-running adds no duplicate pair (keys are the pair ids)."""
    if not 0.0 < threshold <= 1.0:
        raise Invalid("invalid_threshold", "The threshold is a probability in (0, 1].")
    rows = list(
        GeneratedSample.objects.filter(batch=batch)
        .order_by("prompt_index", "sample_index")
        .values_list("prompt_index", "example_id")
    )
    scores = scores_of(version=version, example_ids=[e for _, e in rows])
    if len(scores) < len({e for _, e in rows}):
        raise Conflict(
            "not_scored", f"Version {version.name} has not scored every sample of {batch.name} yet."
        )
    by_prompt: dict[int, list[int]] = defaultdict(list)
    for prompt_index, example_id in rows:
        if example_id not in by_prompt[prompt_index]:
            by_prompt[prompt_index].append(example_id)
    rng = np.random.default_rng(seed)
    counts = {"prompts": len(by_prompt), "pairs": 0, "none_accepted": 0, "single_sample": 0}
    pairs = []
    for prompt_index in sorted(by_prompt):
        examples = by_prompt[prompt_index]
        accepted = next((e for e in examples if passes(scores[e], threshold)), None)
        if accepted is None:
            counts["none_accepted"] += 1
            continue
        others = [e for e in examples if e != accepted]
        if not others:
            counts["single_sample"] += 1
            continue
        unfiltered = others[int(rng.integers(len(others)))]
        pairs.append((accepted, unfiltered))
    if not pairs:
        raise Conflict("no_pairs", f"No prompt of {batch.name} has an accepted sample at {threshold:g}.")
    if queue is None:
        queue = queue_create(
            created_by=created_by,
            name=f"Quality at {threshold:g}: {version.name} on {batch.name}",
            kind=QUALITY_COMPARISON,
            description=COMPARISON_INSTRUCTIONS,
            overlap=overlap,
        )
        queue = queue_set_state(queue=queue, state=QueueState.OPEN, actor=created_by)
    examples_by_id = Example.objects.in_bulk([e for pair in pairs for e in pair])
    items = []
    existing = set(queue.items.values_list("key", flat=True))
    for accepted, unfiltered in pairs:
        pair = comparison_pair_create(
            example_a=examples_by_id[accepted],
            example_b=examples_by_id[unfiltered],
            system_a=filtered_system(version, threshold),
            system_b=UNFILTERED_SYSTEM,
        )
        if f"pair-{pair.pk}" not in existing:
            items.append({"payload": {"pair_id": pair.pk}, "key": f"pair-{pair.pk}"})
    if items:
        items_add(queue=queue, items=items)
    counts["pairs"] = len(items)
    return queue, counts
