"""What a manager's rejection of a judgment means for the consensus built on it."""

from __future__ import annotations

import copy

from django.db import transaction

from gauntlet.workqueue.models import WorkItem
from labeling.models import Consensus
from labeling.services.consensus import item_consensus_update


@transaction.atomic
def consensus_after_rejection(*, item: WorkItem) -> Consensus | None:
    """A judgment on ``item`` was rejected (its label no longer counts): the item's stored consensus
    no longer stands.

    It is recomputed on the votes that still count, by the per-item consensus service (on a copy of
    the item: a rejection never escalates), and marked not final, so training data and exports (which
    take decided, final consensus only) leave the example out at once. The engine has reopened the
    item for a replacement judgment; when that completes the item, the usual consensus update writes
    a final row again. Returns the row (None when the item had no consensus yet). Idempotent.
    """
    if not Consensus.objects.filter(item_id=item.pk).exists():
        return None
    item_consensus_update(item=copy.copy(item))
    Consensus.objects.filter(item_id=item.pk).update(final=False)
    return Consensus.objects.filter(item_id=item.pk).first()
