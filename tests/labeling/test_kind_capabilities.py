"""Labeling asks a queue's kind what it can do: a verification queue has consensus, agreement
and export like an injury-label queue; a comparison queue has agreement but no export."""

from __future__ import annotations

import pytest

from gauntlet.accounts.models import User
from gauntlet.workqueue import registry
from labeling.models import Consensus
from tests.conftest import client_for
from tests.labeling.conftest import SCENARIO, add_examples, make_example, make_queue, new_rater, work_through

pytestmark = pytest.mark.django_db


def _labelled_verification_queue(manager: User):
    queue = make_queue(manager, kind="verification", overlap=3, kind_settings={"fillers_per_submission": 0})
    examples = [make_example(n) for n in range(len(SCENARIO))]
    add_examples(queue, examples)
    index = {example.pk: n for n, example in enumerate(examples)}
    for column in range(3):
        work_through(
            queue,
            new_rater(),
            lambda item, c=column: {"label": SCENARIO[index[item.payload["example_id"]]][c]},
        )
    return queue


@pytest.mark.usefixtures("local_storage")
def test_a_verification_queue_gets_consensus_agreement_and_export(manager: User) -> None:
    queue = _labelled_verification_queue(manager)
    client = client_for(manager)
    assert Consensus.objects.filter(queue=queue).count() == len(SCENARIO)

    consensus = client.get(f"/api/v1/queues/{queue.pk}/consensus/")
    assert consensus.status_code == 200, consensus.content
    assert consensus.json()["count"] == len(SCENARIO)
    agreement = client.get(f"/api/v1/queues/{queue.pk}/agreement/")
    assert agreement.status_code == 200, agreement.content
    assert agreement.json()["n_labels"] == 3 * len(SCENARIO)
    recompute = client.post(f"/api/v1/queues/{queue.pk}/consensus/recompute/")
    assert recompute.status_code == 200, recompute.content

    export = client.post(f"/api/v1/queues/{queue.pk}/export/", {"format": "jsonl"}, format="json")
    assert export.status_code == 201, export.content
    assert export.json()["rows"] == 3  # the three decided items (one three-way split is undecided)


def test_a_comparison_queue_has_no_export_and_the_refusal_names_the_kinds_that_do(manager: User) -> None:
    queue = make_queue(manager, kind="quality_comparison", overlap=3)
    response = client_for(manager).post(
        f"/api/v1/queues/{queue.pk}/export/", {"format": "jsonl"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_queue_kind"
    for name in registry.kinds_with("is_exportable"):
        assert name in response.json()["error"]["message"]
    assert "verification" in registry.kinds_with("is_exportable")
    assert "quality_comparison" not in registry.kinds_with("has_consensus")
