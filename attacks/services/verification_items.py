"""Putting an attack on its verification queue, hidden among ordinary examples."""

from __future__ import annotations

import random
from typing import Any

from django.db.models import IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from attacks.kinds import VERIFICATION
from attacks.models import AttackSubmission, ParaphraseBatch, SubmissionStatus
from gauntlet.errors import Conflict
from gauntlet.workqueue.models import Queue, QueueState, WorkItem
from gauntlet.workqueue.services import items_add
from labeling.models import Example, Source
from labeling.services.examples import example_create

# Which fillers hide an attack and in what order: a draw of its own (seeded by the OS), which
# ``simulate`` seeds so that a run is reproducible.
filler_draw = random.Random()  # noqa: S311 - display order among look-alikes, not a secret


def verification_queue_for(queue: Queue) -> Queue:
    queue_id = (queue.kind_settings or {}).get("verification_queue_id")
    target = Queue.objects.filter(pk=queue_id, kind=VERIFICATION).first() if queue_id else None
    if target is None or target.state == QueueState.CLOSED:
        raise Conflict(
            "no_verification_queue",
            "This rewrite queue has no open verification queue (kind_settings.verification_queue_id); "
            "ask a manager to set one.",
        )
    return target


def verification_items_add(*, queue: Queue, example: Example) -> WorkItem:
    """Put ``example`` on the verification queue, mixed with ordinary examples in random order.

    Fillers (``kind_settings.fillers_per_submission``, default 1) are ordinary imported or
    generated examples not yet in that queue, so verifiers cannot tell the attack apart.
    Side effect: locks the verification queue's row before drawing, so two submits at once
    never draw the same filler (an example is in a queue once); the lock is held to the end
    of the caller's transaction.
    """
    queue = Queue.objects.select_for_update(no_key=True).get(pk=queue.pk)  # claims go on meanwhile
    wanted = int((queue.kind_settings or {}).get("fillers_per_submission", 1))
    # The examples already on the queue, as a subquery (verification payloads hold integer ids).
    taken = (
        WorkItem.objects.filter(queue=queue)
        .annotate(example_id=Cast(KT("payload__example_id"), IntegerField()))
        .values("example_id")
    )
    candidates = (
        Example.objects.filter(source__in=(Source.IMPORT, Source.GENERATOR), attack_submission__isnull=True)
        .exclude(pk__in=taken)
        .exclude(pk__in=[example.pk, example.parent_id or 0])  # its own seed would give the rewrite away
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    available = candidates.count()
    # uniform draws by position (one indexed query each), from filler_draw rather than SQL random()
    fillers = [
        candidates[i] for i in sorted(filler_draw.sample(range(available), min(max(wanted, 0), available)))
    ]
    rows: list[dict[str, Any]] = [{"payload": {"example_id": pk}} for pk in [example.pk, *fillers]]
    filler_draw.shuffle(rows)  # the attack is not always the first of its group
    items = items_add(queue=queue, items=rows)
    added = next((item for item in items if item.payload["example_id"] == example.pk), None)
    # Already on the queue (a retried submit): the item it has.
    held = WorkItem.objects.filter(queue=queue, payload__example_id=example.pk)
    return added or held.exclude(payload__has_key="duplicate_of").get()


def automatic_candidate_verify(
    *, batch: ParaphraseBatch, source: Example, completion: str, score: float, attack_source: str
) -> AttackSubmission:
    """An automatic attack's candidate that passed the batch's version, onto blind verification: an
    Example of source ``attack_source`` (``paraphrase`` or ``word_attack``; no author, parent = the
    source, batch ``<attack_source>:<batch id>``), its verification item among fillers, and a pending
    AttackSubmission. Runs in the caller's transaction (one source's candidates at a time). Never
    trusted automatically: only verification consensus makes it an adversarial example."""
    version = batch.classifier_version
    example = example_create(
        prompt=source.prompt,
        completion=completion,
        source=attack_source,
        parent=source,
        batch=f"{attack_source}:{batch.pk}",
    )
    item = verification_items_add(queue=batch.verification_queue, example=example)
    return AttackSubmission.objects.create(
        example=example,
        source=attack_source,
        author=None,
        classifier_version=version,
        score=score,
        threshold=version.threshold,
        verification_item=item,
        status=SubmissionStatus.PENDING,
    )
