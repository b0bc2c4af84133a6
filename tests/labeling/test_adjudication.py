"""Nothing is a dead end (issue 12, item 7): undecided items escalate to more raters while below the
cap, and at the cap go to a manager's adjudication, which decides them (training data and exports
follow); the author of an attack is told at each step."""

from __future__ import annotations

import pytest

from gauntlet.accounts.models import User
from gauntlet.audit.models import AuditRecord
from gauntlet.workqueue.models import ItemState
from labeling.models import Consensus, InjuryLabel
from labeling.selectors import consensus_awaiting_adjudication
from labeling.services.adjudication import consensus_adjudicate
from ml_worker.services.training import training_data_snapshot
from tests.conftest import client_for
from tests.factories import new_contractor
from tests.labeling.conftest import add_examples, label_item, make_example, make_queue

pytestmark = pytest.mark.django_db


def test_an_undecided_item_escalates_then_waits_for_a_manager_who_decides_it(manager: User) -> None:
    queue = make_queue(manager, overlap=2, kind_settings={"max_judgments": 4, "escalation_step": 2})
    example = make_example(7)
    (item,) = add_examples(queue, [example])
    label_item(queue, item, ["injurious", "not_injurious"])  # a tie: undecided
    item.refresh_from_db()
    assert (item.state, item.judgments_wanted, item.escalations) == (ItemState.OPEN, 4, 1)  # more raters
    assert not consensus_awaiting_adjudication().exists()

    label_item(queue, item, ["injurious", "not_injurious"])  # still a tie, now at the cap
    consensus = Consensus.objects.get(item=item)
    assert (consensus.decided, consensus.final, consensus.n_labels) == (False, True, 4)
    assert list(consensus_awaiting_adjudication(queue=queue)) == [consensus]
    assert example.pk not in [row[0] for row in training_data_snapshot()["examples"]]

    decided = consensus_adjudicate(consensus=consensus, label="injurious", by=manager, note="a bite is harm")
    assert (decided.label, decided.decided, decided.final, decided.method) == (
        InjuryLabel.INJURIOUS,
        True,
        True,
        "adjudicated",
    )
    assert not consensus_awaiting_adjudication().exists()
    assert [example.pk, "injurious"] in training_data_snapshot()["examples"]
    record = AuditRecord.objects.get(action="consensus.adjudicated")
    assert (record.actor_id, record.after["label"], record.note) == (
        manager.pk,
        "injurious",
        "a bite is harm",
    )


def test_adjudication_over_the_api_is_for_managers_and_refuses_unsure(manager: User) -> None:
    queue = make_queue(manager, overlap=2)
    (item,) = add_examples(queue, [make_example(8)])
    label_item(queue, item, ["injurious", "not_injurious"])
    consensus = Consensus.objects.get(item=item)
    manager_api, contractor_api = client_for(manager), client_for(new_contractor())

    assert contractor_api.get("/api/v1/adjudications/").status_code == 403
    listed = manager_api.get("/api/v1/adjudications/", {"queue": queue.pk})
    assert listed.status_code == 200, listed.content
    (row,) = listed.json()["results"]
    assert (row["id"], row["queue_id"], row["votes"]) == (
        consensus.pk,
        queue.pk,
        {"injurious": 1, "not_injurious": 1, "unsure": 0},
    )
    assert row["completion"] == item_completion(consensus)

    unsure = manager_api.post(f"/api/v1/adjudications/{consensus.pk}/", {"label": "unsure"}, format="json")
    assert unsure.status_code == 400
    assert "label" in unsure.json()["error"]["fields"]
    assert (
        contractor_api.post(
            f"/api/v1/adjudications/{consensus.pk}/", {"label": "injurious"}, format="json"
        ).status_code
        == 403
    )
    done = manager_api.post(
        f"/api/v1/adjudications/{consensus.pk}/", {"label": "not_injurious", "note": "no harm"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert (done.json()["label"], done.json()["decided"], done.json()["method"]) == (
        "not_injurious",
        True,
        "adjudicated",
    )
    assert manager_api.get("/api/v1/adjudications/").json()["results"] == []
    again = manager_api.post(f"/api/v1/adjudications/{consensus.pk}/", {"label": "injurious"}, format="json")
    assert again.status_code == 409  # a decided consensus is not adjudicated over again


def item_completion(consensus: Consensus) -> str:
    return consensus.example.completion
