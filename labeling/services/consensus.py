"""Consensus labels for injury-label items, and escalation of the ones raters disagree on.

The statistics are :mod:`gauntlet.agreement`'s (majority vote or Dawid–Skene via
crowd-kit); this module gathers labels from the database, picks the queue's
method, writes :class:`~labeling.models.Consensus` rows and decides escalation.

Unsure policy (see :mod:`gauntlet.agreement.consensus`): an ``unsure`` label
counts as a judgment received (toward N and in the agreement denominator) but
is never a vote. An item with a tied vote or only unsure labels is *undecided*:
its consensus label is ``unsure``, its agreement 0, so it is escalated until
the cap; at the cap it stays undecided for a manager, and exports leave it out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from gauntlet.agreement.consensus import ItemConsensus, dawid_skene_fit, majority_vote, needs_escalation
from gauntlet.workqueue.models import ItemState, Queue, WorkItem
from labeling.models import Consensus, InjuryLabel
from labeling.selectors import gold_labels, label_rows, labels_counted

logger = logging.getLogger(__name__)

METHODS = ("majority", "dawid_skene")
DEFAULT_ESCALATION_STEP = 2


@dataclass(frozen=True)
class ConsensusSettings:
    method: str
    agreement_threshold: float
    escalation_step: int
    max_judgments: int


def consensus_settings(queue: Queue, *, strict: bool = False) -> ConsensusSettings:
    """The queue's consensus settings from ``kind_settings``, with defaults.

    Nonsense values raise ``ValidationError`` (a 400) when ``strict``; otherwise
    (inside a contractor's submission, which must not fail for a manager's typo)
    they are logged and replaced by the defaults.
    """
    raw: dict[str, Any] = queue.kind_settings if isinstance(queue.kind_settings, dict) else {}
    try:
        method = raw.get("consensus_method", "majority")
        if method not in METHODS:
            raise ValueError(f"consensus_method must be one of {', '.join(METHODS)}")
        threshold = float(raw.get("agreement_threshold", 0.0))
        step = int(raw.get("escalation_step", DEFAULT_ESCALATION_STEP))
        cap = int(raw.get("max_judgments", queue.overlap))
        if not 0.0 <= threshold <= 1.0 or step < 1 or cap < 1:
            raise ValueError("agreement_threshold is 0..1; escalation_step and max_judgments are at least 1")
    except (TypeError, ValueError) as exc:
        if strict:
            raise ValidationError({"kind_settings": [f"Bad consensus settings: {exc}."]}) from exc
        logger.warning("queue %s has bad consensus settings (%s); using the defaults", queue.pk, exc)
        return ConsensusSettings("majority", 0.0, DEFAULT_ESCALATION_STEP, queue.overlap)
    return ConsensusSettings(method, threshold, step, max(cap, queue.overlap))


def _compute(queue: Queue, settings: ConsensusSettings, item: WorkItem | None) -> dict[Any, ItemConsensus]:
    if settings.method == "dawid_skene":
        # DS learns each rater's confusion from the whole queue, so it is always fitted on all of it.
        rows = label_rows(labels_counted(queue=queue))
        gold = gold_labels(WorkItem.objects.filter(queue=queue))
        return dawid_skene_fit(rows, gold=gold or None).consensus if rows else {}
    labels = labels_counted(queue=queue)
    rows = label_rows(labels.filter(item=item) if item is not None else labels)
    return majority_vote(rows) if rows else {}


def _write(item: WorkItem, result: ItemConsensus, *, final: bool) -> Consensus:
    consensus, _ = Consensus.objects.update_or_create(
        example_id=item.payload["example_id"],
        queue_id=item.queue_id,
        defaults={
            "item": item,
            "label": result.label or InjuryLabel.UNSURE,
            "decided": result.decided,
            "final": final,
            "method": result.method,
            "confidence": result.confidence,
            "agreement": result.agreement,
            "n_labels": result.n_labels,
            "computed_at": timezone.now(),
        },
    )
    return consensus


@transaction.atomic
def item_consensus_update(*, item: WorkItem) -> Consensus | None:
    """Compute and store an item's consensus; escalate it when agreement is too low.

    Called by the work-queue engine (``on_item_complete``) with the item row
    locked. Escalation raises ``item.judgments_wanted`` by the queue's step (up to
    ``max_judgments``), reopens the item and counts it in ``item.escalations``;
    the engine saves the item. Idempotent for the same labels: the Consensus row
    is updated in place. Returns None when the item has no counted labels.
    """
    queue = item.queue
    settings = consensus_settings(queue)
    result = _compute(queue, settings, item).get(item.pk)
    if result is None:
        return None
    escalate = needs_escalation(
        result.agreement, settings.agreement_threshold, result.n_labels, settings.max_judgments
    )
    if escalate:
        item.judgments_wanted = min(
            settings.max_judgments, max(item.judgments_wanted, result.n_labels) + settings.escalation_step
        )
        item.state = ItemState.OPEN
        item.completed_at = None
        item.escalations += 1
    return _write(item, result, final=not escalate)


@transaction.atomic
def queue_consensus_recompute(*, queue: Queue) -> int:
    """Recompute the consensus of every completed item of an injury-label queue (e.g. after more
    labels changed a Dawid–Skene fit). Escalates nothing; returns the number of rows written.
    Idempotent. Raises ``ValidationError`` (400) for bad consensus settings."""
    settings = consensus_settings(queue, strict=True)
    items = {item.pk: item for item in WorkItem.objects.filter(queue=queue, state=ItemState.COMPLETE)}
    if not items:
        return 0
    results = _compute(queue, settings, None)  # items not complete are skipped below
    written = 0
    for item_id, result in results.items():
        item = items.get(item_id)
        if item is not None:
            _write(item, result, final=True)
            written += 1
    return written
