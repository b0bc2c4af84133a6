"""Dawid–Skene consensus is refitted in the background, one run per queue at a time;
a contractor's submit only ever counts the item's own labels."""

from __future__ import annotations

import pytest

from gauntlet.accounts.models import User
from gauntlet.common.single_flight import single_flight
from gauntlet.workqueue.models import WorkItem
from labeling.models import Consensus
from labeling.services.consensus import queues_due_for_refit
from labeling.tasks import refit_due_consensus, refit_queue_consensus
from tests.labeling.conftest import add_examples, make_example, make_queue, new_rater, work_through

pytestmark = pytest.mark.django_db

DS = {"consensus_method": "dawid_skene"}


def _labelled_ds_queue(manager: User) -> int:
    queue = make_queue(manager, overlap=3, kind_settings=DS)
    add_examples(queue, [make_example(n) for n in range(4)])
    for answer in ("injurious", "injurious", "not_injurious"):
        work_through(queue, new_rater(), lambda _item, answer=answer: {"label": answer})
    return queue.pk


def test_a_submit_counts_and_the_background_refit_fits_dawid_skene(manager: User) -> None:
    queue_id = _labelled_ds_queue(manager)
    # what the submits wrote: plain counts, waiting for a fit
    assert set(Consensus.objects.filter(queue_id=queue_id).values_list("method", flat=True)) == {
        "majority_vote"
    }
    assert queues_due_for_refit() == [queue_id]

    assert refit_due_consensus.delay().get() == [queue_id]  # eager: the refit ran too
    rows = Consensus.objects.filter(queue_id=queue_id)
    assert rows.count() == 4 and set(rows.values_list("method", flat=True)) == {"dawid_skene"}
    assert queues_due_for_refit() == []  # nothing new since the fit


def test_a_second_concurrent_refit_is_a_no_op(manager: User) -> None:
    queue_id = _labelled_ds_queue(manager)
    with single_flight(f"consensus-refit:{queue_id}", ttl_seconds=60) as mine:
        assert mine
        assert refit_queue_consensus.delay(queue_id).get() is None  # another run holds the queue
        assert not Consensus.objects.filter(queue_id=queue_id, method="dawid_skene").exists()
    assert refit_queue_consensus.delay(queue_id).get() == 4  # the lock is free again


def test_majority_queues_are_never_refitted(manager: User) -> None:
    queue = make_queue(manager, overlap=1)
    add_examples(queue, [make_example(0)])
    work_through(queue, new_rater(), lambda _item: {"label": "injurious"})
    assert WorkItem.objects.get(queue=queue).state == "complete"
    assert queues_due_for_refit() == []
