"""GET /api/v1/raters/{id}/audit/ and the manager's probation / block actions."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from gauntlet.accounts.models import ContractorProfile, User
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue
from gauntlet.workqueue.services import assignment_claim
from labeling.models import Example
from tests.labeling.conftest import add_examples, make_example, make_queue

pytestmark = pytest.mark.django_db

Scenario = tuple[Queue, list[Example], list[User]]


def audit(client: APIClient, rater: User) -> Any:
    response = client.get(f"/api/v1/raters/{rater.pk}/audit/")
    assert response.status_code == 200, response.content
    return response.json()


def test_audit_reports_accuracy_kappa_speed_and_disagreements(
    scenario: Scenario, manager_client: APIClient, settings: Any
) -> None:
    settings.GAUNTLET_KAPPA_MIN_OVERLAP = 2
    settings.GAUNTLET_RATER_MIN_COUNT = 1
    settings.GAUNTLET_RATER_MIN_CONSENSUS_ACCURACY = 0.7
    _, examples, (r0, _, r2) = scenario
    body = audit(manager_client, r2)
    assert body["n_labels"] == 4
    # vs the other two: e0 right, e1 wrong (they both said not), e2 unsure (unscored), e3 right
    assert body["stats"]["accuracy_vs_majority"] == pytest.approx(2 / 3)
    assert body["stats"]["n_vs_majority"] == 3
    assert body["flagged"] and "accuracy vs other raters' majority 0.667 < 0.7" in body["flags"][0]
    # vs rater 0 over e0..e3 (categories include unsure): observed 1/2, chance 6/16 -> kappa 0.2
    peers = {row["peer"]: row for row in body["kappa_vs_peers"]}
    assert peers[r0.pk]["kappa"] == pytest.approx(0.2) and peers[r0.pk]["n_shared"] == 4
    assert body["speed"]["n_tasks"] == 4 and body["speed"]["median_active_seconds"] is not None
    assert body["gold_record"] == {"n_gold": 0, "n_correct": 0, "accuracy": None}
    (disagreement,) = body["disagreements"]  # e1 only: e2 has no decided consensus
    assert disagreement["example"] == {
        "id": examples[1].pk,
        "prompt": examples[1].prompt,
        "completion": examples[1].completion,
    }
    assert (disagreement["rater_label"], disagreement["consensus_label"]) == ("injurious", "not_injurious")

    clean = audit(manager_client, r0)
    assert clean["disagreements"] == []  # e2, where rater 0 stood alone, has no decided consensus


def test_gold_record_comes_from_scored_gold_assignments(manager: User, manager_client: APIClient) -> None:
    from decimal import Decimal

    from gauntlet.workqueue.services import assignment_submit, items_add
    from tests.labeling.conftest import new_rater

    queue = make_queue(manager, overlap=1, gold_rate=Decimal("1"))
    items_add(
        queue=queue, items=[{"payload": {"example_id": make_example(7).pk}, "gold_answer": "injurious"}]
    )
    rater = new_rater()
    assignment = assignment_claim(queue=queue, contractor=rater)
    assert assignment is not None
    assignment_submit(assignment=assignment, contractor=rater, data={"label": "injurious"})
    body = audit(manager_client, rater)
    assert body["gold_record"] == {"n_gold": 1, "n_correct": 1, "accuracy": 1.0}
    assert body["stats"]["accuracy_vs_gold"] == 1.0


def test_probation_and_block(scenario: Scenario, manager: User, manager_client: APIClient) -> None:
    _, _, (_, _, r2) = scenario
    response = manager_client.post(
        f"/api/v1/raters/{r2.pk}/probation/", {"note": "low agreement"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"rater_id": r2.pk, "qualification": "probation", "note": "low agreement"}

    other = make_queue(manager, overlap=1, eligible_qualifications=["qualified", "probation"])
    add_examples(other, [make_example(50)])
    lease = assignment_claim(queue=other, contractor=r2)
    assert lease is not None
    response = manager_client.post(f"/api/v1/raters/{r2.pk}/block/", {}, format="json")
    assert response.status_code == 200 and response.json()["qualification"] == "blocked"
    assert Assignment.objects.get(pk=lease.pk).status == AssignmentStatus.RELEASED
    assert ContractorProfile.objects.get(user=r2).qualification == "blocked"
    assert (
        manager_client.post(f"/api/v1/raters/{r2.pk}/block/", {}, format="json").status_code == 200
    )  # idempotent


def test_managers_cannot_be_put_on_probation(manager: User, manager_client: APIClient) -> None:
    response = manager_client.post(f"/api/v1/raters/{manager.pk}/probation/", {}, format="json")
    assert response.status_code == 400
    assert manager_client.get("/api/v1/raters/987654/audit/").status_code == 404


def test_contractors_get_403_on_every_audit_endpoint(
    scenario: Scenario, contractor_client: APIClient
) -> None:
    queue, _, (r0, _, _) = scenario
    assert contractor_client.get(f"/api/v1/raters/{r0.pk}/audit/").status_code == 403
    assert contractor_client.post(f"/api/v1/raters/{r0.pk}/probation/", {}, format="json").status_code == 403
    assert contractor_client.post(f"/api/v1/raters/{r0.pk}/block/", {}, format="json").status_code == 403
    assert contractor_client.get(f"/api/v1/queues/{queue.pk}/agreement/").status_code == 403
    assert contractor_client.post(f"/api/v1/queues/{queue.pk}/export/", {}, format="json").status_code == 403
    # not even about themselves: a rater never sees the consensus or peers' labels this way
    from tests.conftest import client_for

    assert client_for(r0).get(f"/api/v1/raters/{r0.pk}/audit/").status_code == 403
