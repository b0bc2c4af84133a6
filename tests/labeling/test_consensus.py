"""Consensus and escalation against hand-computed values and against crowd-kit itself."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene, MajorityVote
from rest_framework.test import APIClient

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import ItemState, Queue, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_submit
from labeling.models import Consensus, Label
from labeling.services.consensus import item_consensus_update, queue_consensus_recompute
from tests.labeling.conftest import (
    add_examples,
    label_item,
    make_example,
    make_queue,
    new_rater,
    work_through,
)

pytestmark = pytest.mark.django_db

ESCALATING = {"agreement_threshold": 0.7, "escalation_step": 2, "max_judgments": 5}


def one_item(manager: User, **queue_fields: Any) -> tuple[Queue, WorkItem]:
    queue = make_queue(manager, **queue_fields)
    (item,) = add_examples(queue, [make_example()])
    return queue, item


def test_majority_vote_two_to_one(manager: User) -> None:
    queue, item = one_item(manager)
    label_item(queue, item, ["injurious", "injurious", "not_injurious"])
    consensus = Consensus.objects.get()
    assert (consensus.label, consensus.decided, consensus.final, consensus.method) == (
        "injurious",
        True,
        True,
        "majority_vote",
    )
    assert consensus.confidence == pytest.approx(2 / 3)
    assert consensus.agreement == pytest.approx(2 / 3)
    assert consensus.n_labels == 3
    rows = pd.DataFrame(
        Label.objects.values_list("item_id", "rater_id", "value"), columns=["task", "worker", "label"]
    )
    assert MajorityVote().fit_predict(rows)[item.pk] == consensus.label


def test_unsure_counts_as_a_judgment_but_not_as_a_vote(manager: User) -> None:
    queue, item = one_item(manager)
    label_item(queue, item, ["not_injurious", "unsure", "unsure"])
    consensus = Consensus.objects.get()
    assert consensus.label == "not_injurious" and consensus.decided
    assert consensus.confidence == pytest.approx(1.0)  # 1 of 1 decisive votes
    assert consensus.agreement == pytest.approx(1 / 3)  # 1 of 3 judgments
    assert consensus.n_labels == 3


@pytest.mark.parametrize("labels", [["unsure", "unsure", "unsure"], ["injurious", "not_injurious", "unsure"]])
def test_only_unsure_or_a_tie_leaves_the_item_undecided(manager: User, labels: list[str]) -> None:
    queue, item = one_item(manager)
    label_item(queue, item, labels)
    consensus = Consensus.objects.get()
    assert (consensus.label, consensus.decided, consensus.agreement) == ("unsure", False, 0.0)
    item.refresh_from_db()
    assert item.state == ItemState.COMPLETE  # no threshold set: never escalated


def test_low_agreement_escalates_until_the_cap(manager: User) -> None:
    queue, item = one_item(manager, kind_settings=ESCALATING)
    label_item(queue, item, ["injurious", "not_injurious", "unsure"])  # a tie: agreement 0 < 0.7
    item.refresh_from_db()
    assert (item.state, item.judgments_wanted, item.escalations) == (ItemState.OPEN, 5, 1)
    consensus = Consensus.objects.get()
    assert not consensus.final and not consensus.decided

    label_item(
        queue, item, ["injurious", "injurious"]
    )  # 3 injurious of 5: agreement 0.6 < 0.7, but at the cap
    item.refresh_from_db()
    assert (item.state, item.judgments_wanted, item.escalations) == (ItemState.COMPLETE, 5, 1)
    consensus.refresh_from_db()
    assert (consensus.label, consensus.decided, consensus.final, consensus.n_labels) == (
        "injurious",
        True,
        True,
        5,
    )
    assert consensus.agreement == pytest.approx(3 / 5)
    assert consensus.confidence == pytest.approx(3 / 4)


def test_escalation_never_passes_the_cap(manager: User) -> None:
    queue, item = one_item(manager, kind_settings={**ESCALATING, "max_judgments": 4})
    label_item(queue, item, ["injurious", "injurious", "not_injurious"])  # agreement 2/3 < 0.7
    item.refresh_from_db()
    assert (item.state, item.judgments_wanted) == (ItemState.OPEN, 4)


def test_agreement_at_the_threshold_does_not_escalate(manager: User) -> None:
    queue, item = one_item(manager, kind_settings={**ESCALATING, "agreement_threshold": 2 / 3})
    label_item(queue, item, ["injurious", "injurious", "not_injurious"])
    item.refresh_from_db()
    assert (item.state, item.escalations) == (ItemState.COMPLETE, 0)


def test_bad_consensus_settings_do_not_block_a_submission(manager: User, manager_client: APIClient) -> None:
    queue, item = one_item(manager)
    # queue_create refuses such settings (400); a row written before that check, or by hand, may hold them.
    Queue.objects.filter(pk=queue.pk).update(kind_settings={"consensus_method": "astrology"})
    queue.refresh_from_db()
    label_item(queue, item, ["injurious", "injurious", "injurious"])
    assert Consensus.objects.get().method == "majority_vote"
    response = manager_client.post(f"/api/v1/queues/{queue.pk}/consensus/recompute/")
    assert response.status_code == 400
    assert "consensus_method" in response.json()["error"]["message"]


TRUTH = [
    "injurious",
    "not_injurious",
    "injurious",
    "not_injurious",
    "not_injurious",
    "injurious",
    "not_injurious",
]
FLIP = {"injurious": "not_injurious", "not_injurious": "injurious"}


def test_dawid_skene_consensus_matches_crowdkit(manager: User, manager_client: APIClient) -> None:
    queue = make_queue(manager, overlap=3, kind_settings={"consensus_method": "dawid_skene"})
    examples = [make_example(n) for n in range(len(TRUTH))]
    add_examples(queue, examples)
    truth = {e.pk: label for e, label in zip(examples, TRUTH, strict=True)}
    raters = [new_rater() for _ in range(3)]

    def honest(item: WorkItem) -> dict[str, str]:
        return {"label": truth[item.payload["example_id"]]}

    def flipper(item: WorkItem) -> dict[str, str]:
        return {"label": FLIP[truth[item.payload["example_id"]]]}

    def sloppy(item: WorkItem) -> dict[str, str]:  # wrong on the first two examples only
        label = truth[item.payload["example_id"]]
        return {
            "label": FLIP[label] if item.payload["example_id"] in {examples[0].pk, examples[1].pk} else label
        }

    for rater, answer in zip(raters, (honest, flipper, sloppy), strict=True):
        assert work_through(queue, rater, answer) == len(TRUTH)

    response = manager_client.post(f"/api/v1/queues/{queue.pk}/consensus/recompute/")
    assert response.status_code == 200 and response.json() == {"queue_id": queue.pk, "recomputed": len(TRUTH)}

    rows = pd.DataFrame(
        Label.objects.values_list("item_id", "rater_id", "value"), columns=["task", "worker", "label"]
    )
    model = DawidSkene(n_iter=100, tol=1e-5)
    expected = model.fit_predict(rows)
    probas = model.probas_
    assert probas is not None
    for consensus in Consensus.objects.filter(queue=queue):
        assert consensus.method == "dawid_skene"
        assert consensus.label == expected[consensus.item_id]
        assert consensus.confidence == pytest.approx(probas.loc[consensus.item_id].max(), abs=1e-6)
    # DS learns that the flipper is informative: it follows the honest rater on every item
    assert {c.example_id: c.label for c in Consensus.objects.all()} == truth


def test_consensus_list_is_for_managers(
    manager: User, manager_client: APIClient, contractor_client: APIClient
) -> None:
    queue, item = one_item(manager)
    label_item(queue, item, ["injurious", "injurious", "injurious"])
    response = manager_client.get(f"/api/v1/queues/{queue.pk}/consensus/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["item_id"], row["label"], row["agreement"]) == (item.pk, "injurious", 1.0)
    assert contractor_client.get(f"/api/v1/queues/{queue.pk}/consensus/").status_code == 403
    assert contractor_client.post(f"/api/v1/queues/{queue.pk}/consensus/recompute/").status_code == 403


def test_recompute_without_completed_items_writes_nothing(manager: User) -> None:
    queue, _ = one_item(manager)
    assert queue_consensus_recompute(queue=queue) == 0


def test_an_item_a_submit_returned_is_counted_afresh_outside_that_submit(manager: User) -> None:
    """The labels a submit's label insert read ride on its item instance for the consensus of that
    submit only: the instance outlives the submit's lock, and a consensus computed on it later
    (after a rejection, say) counts the labels as they are then."""
    _queue, item = one_item(manager, overlap=2)
    rater = new_rater()
    assignment = assignment_claim(queue=item.queue, contractor=rater)
    submitted = assignment_submit(assignment=assignment, contractor=rater, data={"label": "injurious"})
    Label.objects.filter(assignment=submitted).update(rejected=True)  # no longer counts
    assert item_consensus_update(item=submitted.item) is None  # no counted labels: not one injurious
