"""The labeling kinds through the work-queue API: what raters see, what a submission writes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment, Queue, WorkItem
from gauntlet.workqueue.services import assignment_review, items_add
from labeling.kinds import INJURY_CHOICES
from labeling.models import Comparison, ComparisonPair, Consensus, Label
from tests.conftest import client_for
from tests.labeling.conftest import add_examples, label_item, make_example, make_queue, new_rater

pytestmark = pytest.mark.django_db

SECRET_NOTE = "zebra-secret-note"


def claim(client: APIClient, queue_id: int) -> Any:
    response = client.post(f"/api/v1/queues/{queue_id}/claim/")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_injury_task_shows_only_the_text_instructions_and_choices(manager: User) -> None:
    queue = make_queue(manager, overlap=4, description="Would a reasonable reader think someone got hurt?")
    example = make_example(author=None)
    (item,) = add_examples(queue, [example])
    label_item(queue, item, ["injurious", "not_injurious"])  # two earlier raters; note below is secret
    Label.objects.filter(item=item).update(note=SECRET_NOTE)
    Consensus.objects.create(
        example=example,
        queue=queue,
        item=item,
        label="injurious",
        decided=True,
        method="majority_vote",
        confidence=0.99,
        agreement=0.5,
        n_labels=2,
        computed_at=item.created_at,
    )

    rater = new_rater()
    body = claim(client_for(rater), queue.pk)
    task = body["assignment"]["task"]
    assert set(task) == {"prompt", "completion", "instructions", "choices"}
    assert task["prompt"] == example.prompt and task["completion"] == example.completion
    assert task["instructions"] == "Would a reasonable reader think someone got hurt?"
    text = json.dumps(body)
    for hidden in (SECRET_NOTE, "0.99", "consensus", "gold", "agreement", "author", "score"):
        assert hidden not in text
    assert body["assignment"]["result"] is None


def test_a_gold_item_looks_exactly_like_any_other_item(manager: User) -> None:
    queue = make_queue(manager, overlap=1, gold_rate=Decimal("1"))
    example = make_example(1)
    (item,) = items_add(
        queue=queue, items=[{"payload": {"example_id": example.pk}, "gold_answer": "injurious"}]
    )
    assert item.is_gold
    rater = new_rater()
    client = client_for(rater)
    body = claim(client, queue.pk)
    text = json.dumps(body)
    assert "gold" not in text and "is_gold" not in text
    assert body["assignment"]["task"] == {
        "prompt": example.prompt,
        "completion": example.completion,
        "instructions": "",
        "choices": INJURY_CHOICES,
    }
    submitted = client.post(
        f"/api/v1/assignments/{body['assignment']['id']}/submit/", {"label": "not_injurious"}, format="json"
    )
    assert submitted.status_code == 200
    assert "gold" not in json.dumps(submitted.json())
    assert Assignment.objects.get(pk=body["assignment"]["id"]).gold_correct is False


def test_a_submission_writes_one_label_and_a_retry_writes_nothing(manager: User) -> None:
    queue = make_queue(manager, overlap=2)
    add_examples(queue, [make_example(2)])
    rater = new_rater()
    client = client_for(rater)
    assignment_id = claim(client, queue.pk)["assignment"]["id"]
    for _ in range(2):
        response = client.post(
            f"/api/v1/assignments/{assignment_id}/submit/",
            {"label": "unsure", "note": " hard one "},
            format="json",
        )
        assert response.status_code == 200
    label = Label.objects.get()
    assert (label.value, label.note, label.rater_id, label.rejected) == (
        "unsure",
        "hard one",
        rater.pk,
        False,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "maybe"}, "label"),
        ({}, "label"),
        ({"label": "injurious", "note": 5}, "note"),
        ({"label": "injurious", "note": "x" * 2001}, "note"),
    ],
)
def test_a_bad_submission_is_a_400_naming_the_field(
    manager: User, body: dict[str, object], field: str
) -> None:
    queue = make_queue(manager, overlap=1)
    add_examples(queue, [make_example(3)])
    client = client_for(new_rater())
    assignment_id = claim(client, queue.pk)["assignment"]["id"]
    response = client.post(f"/api/v1/assignments/{assignment_id}/submit/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Label.objects.count() == 0


def test_items_must_point_at_an_example(manager_client: APIClient, manager: User) -> None:
    queue = make_queue(manager)
    response = manager_client.post(
        f"/api/v1/queues/{queue.pk}/items/", {"items": [{"payload": {"example_id": 999999}}]}, format="json"
    )
    assert response.status_code == 400
    assert "999999" in json.dumps(response.json())


def test_a_rejected_label_stops_counting(manager: User) -> None:
    queue = make_queue(manager, overlap=1)
    (item,) = add_examples(queue, [make_example(4)])
    label_item(queue, item, ["injurious"])
    label = Label.objects.get()
    assignment_review(assignment=label.assignment, approved=False, reviewer=manager, note="random clicking")
    label.refresh_from_db()
    assert label.rejected


# --- quality comparisons ------------------------------------------------------------


def comparison_queue(manager: User, overlap: int = 1) -> tuple[Queue, ComparisonPair, list[WorkItem]]:
    queue = make_queue(manager, kind="quality_comparison", overlap=overlap)
    prompt = "Ann walked her dog. The dog saw a cat. The cat ran."
    filtered = make_example(10, prompt=prompt, completion="The dog barked happily.")
    unfiltered = make_example(11, prompt=prompt, completion="The dog wagged its tail.")
    items = items_add(
        queue=queue,
        items=[
            {
                "payload": {
                    "example_a_id": filtered.pk,
                    "example_b_id": unfiltered.pk,
                    "system_a": "filtered",
                    "system_b": "unfiltered",
                }
            }
            for _ in range(1)
        ],
    )
    return queue, ComparisonPair.objects.get(), items


def test_comparison_order_is_recorded_per_item_and_answers_are_derandomised(manager: User) -> None:
    queue, pair, (item,) = comparison_queue(manager)
    assert item.payload["shown_first"] in ("a", "b") and item.payload["pair_id"] == pair.pk
    rater = new_rater()
    client = client_for(rater)
    body = claim(client, queue.pk)
    task = body["assignment"]["task"]
    assert set(task) == {"prompt", "completion_a", "completion_b", "instructions", "choices"}
    shown_a = pair.example_a if item.payload["shown_first"] == "a" else pair.example_b
    assert task["completion_a"] == shown_a.completion
    assert "filtered" not in json.dumps(task)  # the system names stay hidden
    response = client.post(
        f"/api/v1/assignments/{body['assignment']['id']}/submit/", {"answer": "A"}, format="json"
    )
    assert response.status_code == 200
    comparison = Comparison.objects.get()
    assert comparison.shown_first_id == shown_a.pk
    assert comparison.answer_shown == "A"
    assert comparison.winner_id == shown_a.pk  # the example on screen as A won, whichever system it was
    assert comparison.outcome == ("A" if shown_a.pk == pair.example_a_id else "B")


def test_the_display_order_is_drawn_per_item(manager: User) -> None:
    queue, pair, _ = comparison_queue(manager)
    items = items_add(queue=queue, items=[{"payload": {"pair_id": pair.pk}} for _ in range(40)])
    assert {item.payload["shown_first"] for item in items} == {"a", "b"}  # all one way: p = 2**-39


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"example_a_id": 1}, "example_b_id"), ({"pair_id": "x"}, "pair_id"), ({"pair_id": 999999}, "pair_id")],
)
def test_bad_comparison_payloads_are_400s(
    manager_client: APIClient, manager: User, payload: dict[str, object], field: str
) -> None:
    queue = make_queue(manager, kind="quality_comparison")
    example = make_example(12)
    if "example_a_id" in payload:
        payload = {"example_a_id": example.pk}
    response = manager_client.post(
        f"/api/v1/queues/{queue.pk}/items/", {"items": [{"payload": payload}]}, format="json"
    )
    assert response.status_code == 400
    assert field in json.dumps(response.json())


def test_comparing_completions_of_different_prompts_is_refused(
    manager_client: APIClient, manager: User
) -> None:
    queue = make_queue(manager, kind="quality_comparison")
    a, b = make_example(13), make_example(14)
    payload = {"example_a_id": a.pk, "example_b_id": b.pk, "system_a": "x", "system_b": "y"}
    response = manager_client.post(
        f"/api/v1/queues/{queue.pk}/items/", {"items": [{"payload": payload}]}, format="json"
    )
    assert response.status_code == 400
    assert "same prompt" in json.dumps(response.json())
