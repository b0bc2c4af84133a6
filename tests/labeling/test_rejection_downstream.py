"""Rejections flow downstream (issue 12, item 6): rejecting a label takes its vote out of the final
consensus, and training data and exports follow at once; the replacement judgment decides again."""

from __future__ import annotations

import pytest

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment, ItemState
from gauntlet.workqueue.services import assignment_review
from labeling.models import Consensus, InjuryLabel
from ml_worker.services.training import training_data_snapshot
from tests.labeling.conftest import add_examples, label_item, make_example, make_queue

pytestmark = pytest.mark.django_db


def test_rejecting_a_label_invalidates_the_final_consensus_until_a_replacement_decides(manager: User) -> None:
    queue = make_queue(manager, overlap=3)
    example = make_example(1)
    (item,) = add_examples(queue, [example])
    raters = label_item(queue, item, ["injurious", "injurious", "not_injurious"])
    consensus = Consensus.objects.get(item=item)
    assert (consensus.label, consensus.decided, consensus.final) == (InjuryLabel.INJURIOUS, True, True)
    assert [example.pk, "injurious"] in training_data_snapshot()["examples"]

    # A manager rejects one of the two injurious votes: 1 vs 1 no longer decides anything.
    rejected = Assignment.objects.get(item=item, contractor=raters[0])
    assignment_review(assignment=rejected, approved=False, reviewer=manager, note="clicked at random")
    consensus.refresh_from_db()
    assert consensus.final is False  # out of training data and exports until re-decided
    assert consensus.n_labels == 2  # recomputed on the votes that still count
    assert example.pk not in [row[0] for row in training_data_snapshot()["examples"]]
    item.refresh_from_db()
    assert item.state == ItemState.OPEN

    # The replacement judgment decides it again, on the votes that count.
    label_item(queue, item, ["not_injurious"])
    consensus.refresh_from_db()
    assert (consensus.label, consensus.decided, consensus.final, consensus.n_labels) == (
        InjuryLabel.NOT_INJURIOUS,
        True,
        True,
        3,
    )
    assert [example.pk, "not_injurious"] in training_data_snapshot()["examples"]
