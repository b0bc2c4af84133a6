"""Dawid–Skene consensus is refitted in the background, one run per queue at a time;
a contractor's submit only ever counts the item's own labels."""

from __future__ import annotations

import pytest

from gauntlet.accounts.models import User
from gauntlet.agreement.consensus import dawid_skene_fit
from gauntlet.common.single_flight import single_flight
from gauntlet.workqueue.models import ItemState, WorkItem
from labeling.models import Consensus
from labeling.selectors import label_rows, labels_counted
from labeling.services import consensus as consensus_service
from labeling.services.adjudication import consensus_adjudicate
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


# Per example (columns: four raters; None: that rater skips it). Split votes, an unsure, a 1-1 tie
# at the cap (undecided), a flipper-like rater, so the fit is not plain majority.
REFIT_LABELS = [
    ("injurious", "injurious", "not_injurious", None),
    ("not_injurious", "injurious", "not_injurious", None),
    ("injurious", "not_injurious", "unsure", None),
    ("not_injurious", "not_injurious", "injurious", None),
    ("injurious", "injurious", "injurious", None),
    ("not_injurious", "unsure", "unsure", None),
    ("injurious", "not_injurious", "not_injurious", None),
    ("not_injurious", "not_injurious", "not_injurious", None),
]


def test_the_refit_writes_exactly_what_the_fit_says_for_every_completed_item(
    manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consensus_service, "UPSERT_BATCH", 3)  # several write batches, one partial
    queue = make_queue(manager, overlap=3, kind_settings=DS)
    examples = [make_example(n) for n in range(len(REFIT_LABELS))]
    add_examples(queue, examples)
    column = {e.pk: labels for e, labels in zip(examples, REFIT_LABELS, strict=True)}
    for n in range(3):
        work_through(queue, new_rater(), lambda item, n=n: {"label": column[item.payload["example_id"]][n]})
    (open_item,) = add_examples(queue, [make_example(99)])  # one label only: not complete, never written
    work_through(queue, new_rater(), lambda _item: {"label": "injurious"})
    undecided = Consensus.objects.filter(queue=queue, decided=False, final=True).order_by("id").first()
    assert undecided is not None
    adjudicated = consensus_adjudicate(consensus=undecided, label="injurious", by=manager)

    written = refit_queue_consensus(queue.pk)

    fit = dawid_skene_fit(label_rows(labels_counted(queue=queue))).consensus
    rows = {c.item_id: c for c in Consensus.objects.filter(queue=queue)}
    complete = set(
        WorkItem.objects.filter(queue=queue, state=ItemState.COMPLETE).values_list("id", flat=True)
    )
    refitted = complete - {adjudicated.item_id}
    assert written == len(refitted) and open_item.pk not in rows and open_item.pk in fit
    for item_id in refitted:
        row, result = rows[item_id], fit[item_id]
        assert (row.label, row.decided, row.final, row.method) == (
            result.label or "unsure",
            result.decided,
            True,
            "dawid_skene",
        )
        assert (row.confidence, row.agreement, row.n_labels) == (
            result.confidence,
            result.agreement,
            result.n_labels,
        )
    kept = Consensus.objects.get(pk=adjudicated.pk)  # a manager's decision is not refitted away
    assert (kept.method, kept.label, kept.decided) == ("adjudicated", "injurious", True)

    ids = sorted(Consensus.objects.filter(queue=queue).values_list("id", flat=True))
    assert refit_queue_consensus(queue.pk) == written  # idempotent: the same rows, updated in place
    assert sorted(Consensus.objects.filter(queue=queue).values_list("id", flat=True)) == ids
