"""Examples browse/search and "queue from selection": the service, the API and the command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from gauntlet.accounts.models import User
from gauntlet.common.benchmarks import BenchOptions
from gauntlet.workqueue.models import Queue, QueueState, WorkItem
from gauntlet.workqueue.services import assignment_claim, items_add, queue_create, queue_set_state
from labeling.models import Consensus, Example, InjuryLabel
from labeling.services.queue_selection import queue_create_from_examples, queue_items_add_examples
from ml_worker.benchmarks.queue_selection import bench_queue_from_batch
from ml_worker.example_selection import ExampleSelection, example_selection_search
from ml_worker.models import ClassifierVersion, Score, VersionStatus
from tests.factories import new_contractor

pytestmark = pytest.mark.django_db


def _examples(n: int, *, batch: str, source: str = "import", start: int = 0) -> list[Example]:
    out = []
    for i in range(start, start + n):
        example = Example(
            prompt=f"Story {i}. A dog. A cat.", completion=f"End {i}.", batch=batch, source=source
        )
        example.save()
        out.append(example)
    return out


def _queue(manager: User, **fields: object) -> Queue:
    return queue_create(created_by=manager, name="from selection", kind="injury_label", overlap=2, **fields)


def _queue_example_ids(queue: Queue) -> list[int]:
    return sorted(WorkItem.objects.filter(queue=queue).values_list("payload__example_id", flat=True))


def _score(example: Example, version: ClassifierVersion, probability: float) -> None:
    Score.objects.create(
        example=example,
        classifier_version=version,
        content_hash=example.content_hash,
        probability=probability,
    )


def _consensus(example: Example, queue: Queue, label: str) -> None:
    item = WorkItem.objects.create(queue=queue, payload={"example_id": example.pk}, judgments_wanted=1)
    Consensus.objects.create(
        example=example,
        queue=queue,
        item=item,
        label=label,
        decided=True,
        final=True,
        method="majority",
        confidence=1.0,
        agreement=1.0,
        n_labels=3,
        computed_at=timezone.now(),
    )


def test_a_batch_becomes_one_item_per_example(manager: User) -> None:
    examples = _examples(5, batch="b1")
    _examples(3, batch="other")
    queue = _queue(manager)
    report = queue_items_add_examples(
        queue=queue, examples=example_selection_search(selection=ExampleSelection(batch="b1"))
    )
    assert (report.selected, report.added, report.already_in_queue) == (5, 5, 0)
    assert _queue_example_ids(queue) == [e.pk for e in examples]
    item = WorkItem.objects.filter(queue=queue).first()
    assert item is not None and item.judgments_wanted == 2  # the queue's overlap


def test_an_example_named_twice_in_a_selection_is_added_once(manager: User) -> None:
    examples = _examples(3, batch="b1")
    queue = _queue(manager)
    twice = [examples[0].pk, examples[0].pk, examples[1].pk]
    report = queue_items_add_examples(
        queue=queue,
        examples=example_selection_search(selection=ExampleSelection(batch="b1")),
        extra_ids=twice,  # also all inside the batch: each of those is a repeat too
    )
    assert report.added == 3
    assert report.repeated == 3
    assert _queue_example_ids(queue) == [e.pk for e in examples]


def test_an_example_already_in_the_queue_is_not_added_again(manager: User) -> None:
    examples = _examples(4, batch="b1")
    queue = _queue(manager)
    items_add(queue=queue, items=[{"payload": {"example_id": examples[2].pk}}])  # the per-row path
    selection = example_selection_search(selection=ExampleSelection(batch="b1"))
    report = queue_items_add_examples(queue=queue, examples=selection)
    assert (report.added, report.already_in_queue) == (3, 1)
    again = queue_items_add_examples(queue=queue, examples=selection)
    assert (again.added, again.already_in_queue) == (0, 4)
    assert _queue_example_ids(queue) == [e.pk for e in examples]


def test_items_carry_the_author_so_nobody_is_offered_their_own_text(manager: User) -> None:
    author = new_contractor()
    example = Example(prompt="A story.", completion="An end.", batch="mine", source="manual", author=author)
    example.save()
    queue = _queue(manager)
    queue_items_add_examples(queue=queue, examples=Example.objects.filter(batch="mine"))
    queue = queue_set_state(queue=queue, state=QueueState.OPEN)
    assert assignment_claim(queue=queue, contractor=author) is None
    assert assignment_claim(queue=queue, contractor=new_contractor()) is not None


def test_filters_by_source_consensus_and_latest_score(manager: User) -> None:
    generated = _examples(4, batch="mix", source="generator")
    imported = _examples(2, batch="mix", source="import", start=10)
    old = ClassifierVersion.objects.create(
        name="old", base_model="x", threshold=0.5, status=VersionStatus.READY
    )
    new = ClassifierVersion.objects.create(
        name="new", base_model="x", threshold=0.5, status=VersionStatus.READY
    )
    _score(generated[0], old, 0.95)
    _score(generated[0], new, 0.10)  # the latest score is the one that counts
    _score(generated[1], new, 0.80)
    _score(generated[2], new, 0.50)
    labels_queue = _queue(manager)
    _consensus(generated[1], labels_queue, InjuryLabel.INJURIOUS)
    _consensus(imported[0], labels_queue, InjuryLabel.NOT_INJURIOUS)

    def ids(**filters: object) -> list[int]:
        return list(
            example_selection_search(selection=ExampleSelection(**filters)).values_list("id", flat=True)  # type: ignore[arg-type]
        )

    assert ids(source="import") == [e.pk for e in imported]
    assert ids(score_min=0.5) == [generated[1].pk, generated[2].pk]
    assert ids(score_max=0.5) == [generated[0].pk, generated[2].pk]
    assert ids(consensus_label="injurious") == [generated[1].pk]
    assert ids(consensus_label="none", source="generator") == [
        generated[0].pk,
        generated[2].pk,
        generated[3].pk,
    ]
    row = example_selection_search(selection=ExampleSelection()).get(pk=generated[0].pk)
    assert (row.latest_score, row.latest_score_version) == (0.10, "new")  # type: ignore[attr-defined]


def test_a_closed_queue_or_a_comparison_queue_takes_no_selection(manager: User) -> None:
    from gauntlet.errors import Conflict, Invalid

    _examples(2, batch="b1")
    closed = _queue(manager)
    queue_set_state(queue=closed, state=QueueState.CLOSED)
    with pytest.raises(Conflict, match="closed"):
        queue_items_add_examples(queue=closed, examples=Example.objects.all())
    comparison = queue_create(created_by=manager, name="cmp", kind="quality_comparison")
    with pytest.raises(Invalid, match="does not take examples"):
        queue_items_add_examples(queue=comparison, examples=Example.objects.all())
    assert not WorkItem.objects.exists()


def test_create_from_selection_in_one_step_writes_nothing_when_the_selection_is_empty(manager: User) -> None:
    from gauntlet.errors import Invalid

    with pytest.raises(Invalid, match="matches no example"):
        queue_create_from_examples(
            created_by=manager, name="empty", kind="injury_label", examples=Example.objects.none()
        )
    assert not Queue.objects.exists()
    _examples(3, batch="b1")
    queue, report = queue_create_from_examples(
        created_by=manager, name="full", kind="injury_label", examples=Example.objects.all(), open_queue=True
    )
    assert (queue.state, report.added) == (QueueState.OPEN, 3)


def test_api_lists_and_searches_examples_paginated(manager_client: APIClient, manager: User) -> None:
    _examples(7, batch="b1")
    _examples(2, batch="b2", start=7)
    response = manager_client.get("/api/v1/examples/", {"batch": "b1", "page_size": "5"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 7 and len(body["results"]) == 5 and body["next"]
    first = body["results"][0]
    assert first["batch"] == "b1" and first["consensus_label"] is None and first["latest_score"] is None
    assert manager_client.get("/api/v1/examples/", {"text": "story 8"}).json()["count"] == 1
    bad = manager_client.get("/api/v1/examples/", {"score_min": "0.9", "score_max": "0.1"})
    assert bad.status_code == 400 and "score_max" in bad.json()["error"]["fields"]


def test_api_adds_a_selection_once_and_refuses_contractors(
    manager_client: APIClient, contractor_client: APIClient, manager: User
) -> None:
    examples = _examples(4, batch="b1")
    queue = _queue(manager)
    url = f"/api/v1/queues/{queue.pk}/items/from-selection/"
    response = manager_client.post(
        url, {"batch": "b1", "example_ids": [examples[0].pk, examples[0].pk]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["added"] == 4 and response.json()["repeated"] == 2
    again = manager_client.post(url, {"batch": "b1"}, format="json")
    assert again.status_code == 200 and again.json()["already_in_queue"] == 4
    assert manager_client.post(url, {}, format="json").status_code == 400  # no filter at all
    unknown = manager_client.post(url, {"example_ids": [999_999]}, format="json")
    assert unknown.status_code == 400 and "999999" in unknown.json()["error"]["message"]
    assert contractor_client.post(url, {"batch": "b1"}, format="json").status_code == 403
    assert WorkItem.objects.filter(queue=queue).count() == 4


def test_command_creates_and_opens_a_queue_from_a_batch(manager: User) -> None:
    _examples(3, batch="cmd")
    out = StringIO()
    call_command(
        "queue_from_selection", "--name", "cmd queue", "--batch", "cmd", "--open", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["added"] == 3 and result["queue_state"] == "open"
    out = StringIO()
    call_command("queue_from_selection", "--queue", str(result["queue_id"]), "--batch", "cmd", stdout=out)
    assert "0 items added, 3 already in the queue" in out.getvalue()
    with pytest.raises(CommandError, match="at least one filter"):
        call_command("queue_from_selection", "--name", "x")


def test_bench_queue_from_batch_quick_leaves_nothing_behind() -> None:
    figures = bench_queue_from_batch(BenchOptions(quick=True))
    assert figures["items"] == figures["added"] == figures["items_in_queue"] == 200
    assert figures["readd_added"] == 0
    assert figures["seconds"] > 0 and figures["bare_seconds"] > 0
    assert not Example.objects.exists() and not Queue.objects.exists()
