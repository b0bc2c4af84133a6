"""One example is in a queue once (issue 12 item 3). A repeated upload, a gold copy of a regular item
or two attack submits drawing the same verification filler put one example twice into a queue; the
rater who judged the first copy was then offered the second, and their submit hit the label's
uniqueness (a 500 the contractor could never get past). The database refuses a second copy; adding
items skips what the queue already has and says how many it skipped."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from attacks.services import verification_items
from attacks.services.verification_items import verification_items_add
from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Queue, QueueState, WorkItem
from gauntlet.workqueue.services import items_add
from labeling.models import Example, Source
from tests.factories import ContractorFactory
from tests.services import run_in_threads


def _queue(kind: str = "injury_label", name: str = "once", **fields: object) -> Queue:
    return Queue.objects.create(
        name=f"{kind}-{name}",
        kind=kind,
        state=QueueState.OPEN,
        overlap=2,
        pay_per_task=Decimal("0.10"),
        **fields,
    )


def _example(n: int, *, source: str = Source.IMPORT, author: User | None = None) -> Example:
    example = Example(
        prompt=f"ann walked to the shop {n} .",
        completion=f"she bought bread {n} .",
        batch="once",
        source=source,
    )
    example.author = author
    example.save()
    return example


def _example_ids(queue: Queue) -> list[int]:
    return sorted(WorkItem.objects.filter(queue=queue).values_list("payload__example_id", flat=True))


@pytest.mark.django_db
def test_the_database_refuses_a_second_item_for_one_example() -> None:
    queue, example = _queue(), _example(1)
    WorkItem.objects.create(queue=queue, payload={"example_id": example.pk}, judgments_wanted=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkItem.objects.create(
            queue=queue, payload={"example_id": example.pk}, judgments_wanted=1, is_gold=True
        )
    # Another queue may hold the same example.
    WorkItem.objects.create(
        queue=_queue(name="other"), payload={"example_id": example.pk}, judgments_wanted=1
    )


@pytest.mark.django_db
def test_a_repeated_upload_and_a_gold_copy_are_skipped_and_counted(manager_client: APIClient) -> None:
    queue = _queue()
    first, second = _example(1), _example(2)
    rows = [{"payload": {"example_id": first.pk}}, {"payload": {"example_id": second.pk}}]
    url = f"/api/v1/queues/{queue.pk}/items/"
    created = manager_client.post(url, {"items": rows}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["created"], created.json()["skipped"]) == (2, 0)

    again = manager_client.post(url, {"items": [*rows, rows[0]]}, format="json")  # the same file, twice over
    assert again.status_code == 201, again.json()
    assert again.json()["created"] == 0 and again.json()["ids"] == []
    assert again.json()["skipped"] == 3

    gold = {"payload": {"example_id": first.pk}, "gold_answer": "not_injurious"}
    third = _example(3)
    mixed = manager_client.post(url, {"items": [gold, {"payload": {"example_id": third.pk}}]}, format="json")
    assert (mixed.json()["created"], mixed.json()["skipped"]) == (1, 1)
    assert mixed.json()["skipped_rows"] == [0]
    assert _example_ids(queue) == [first.pk, second.pk, third.pk]
    assert not WorkItem.objects.filter(queue=queue, is_gold=True).exists()


@pytest.mark.django_db
def test_the_service_reports_what_it_skipped() -> None:
    from gauntlet.workqueue.services import items_add_report

    queue, example = _queue(), _example(1)
    items_add(queue=queue, items=[{"payload": {"example_id": example.pk}}])
    report = items_add_report(
        queue=queue, items=[{"payload": {"example_id": example.pk}, "gold_answer": "injurious"}]
    )
    assert (report.items, report.skipped_rows) == ([], [0])


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_never_draw_the_same_filler(monkeypatch: pytest.MonkeyPatch) -> None:
    verification = _queue("verification", kind_settings={"fillers_per_submission": 1})
    rewrite = _queue("rewrite", kind_settings={"verification_queue_id": verification.pk})
    filler = _example(0)  # the only ordinary example: both submits want it
    attacks = [_example(n, source=Source.TOOL_ASSISTED, author=ContractorFactory()) for n in (1, 2)]
    both_drew = threading.Barrier(2)
    shuffle = verification_items.filler_draw.shuffle

    def shuffle_once_both_drew(rows: list[object]) -> None:
        # Between drawing the fillers and inserting them: hold each submit here until the other has
        # drawn too (a submit that cannot draw while the other holds the queue just goes on).
        try:
            both_drew.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        shuffle(rows)

    monkeypatch.setattr(verification_items.filler_draw, "shuffle", shuffle_once_both_drew)

    def submit(example: Example) -> object:
        def work() -> int:
            with transaction.atomic():
                return verification_items_add(queue=verification, example=example).pk

        return work

    items = run_in_threads([submit(a) for a in attacks])
    assert len(set(items)) == 2
    ids = _example_ids(verification)
    assert ids.count(filler.pk) == 1, ids  # the filler is in the queue once
    assert sorted(set(ids)) == sorted([filler.pk, *(a.pk for a in attacks)])
    assert rewrite.state == QueueState.OPEN


@pytest.mark.django_db
def test_fillers_and_their_order_follow_the_filler_draw() -> None:
    """simulate seeds the draw so that a seed gives the same run; the database's random() ignored it."""
    pool = [_example(n) for n in range(40)]
    drawn = []
    for attempt in range(2):
        verification = _queue(
            "verification", name=f"seeded-{attempt}", kind_settings={"fillers_per_submission": 3}
        )
        attack = _example(100 + attempt, source=Source.TOOL_ASSISTED, author=ContractorFactory())
        verification_items.filler_draw.seed(7)
        verification_items_add(queue=verification, example=attack)
        items = WorkItem.objects.filter(queue=verification).order_by("pk")
        drawn.append(
            [
                item.payload["example_id"] if item.payload["example_id"] != attack.pk else "attack"
                for item in items
            ]
        )
    assert drawn[0] == drawn[1] and len(drawn[0]) == 4 and set(drawn[0]) - {"attack"} <= {e.pk for e in pool}


@pytest.mark.django_db
def test_the_migration_keeps_history_of_existing_copies_and_drops_unused_ones() -> None:
    """Copies made before the constraint: the oldest item stays; a copy nobody leased goes; a copy
    with a lease keeps it, marked ``duplicate_of`` and cancelled, so nobody is offered it again."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from gauntlet.workqueue.models import Assignment, ItemState
    from tests.factories import ContractorFactory as Contractor

    migration = importlib.import_module("gauntlet.workqueue.migrations.0008_workitem_example_once")
    constraint = next(c for c in WorkItem._meta.constraints if c.name == "workitem_example_once_per_queue")
    with connection.schema_editor() as editor:  # the database as it was before (rolled back after)
        editor.remove_constraint(WorkItem, constraint)
    queue, example = _queue(), _example(1)
    kept, unused, leased = (
        WorkItem.objects.create(queue=queue, payload={"example_id": example.pk}, judgments_wanted=2)
        for _ in range(3)
    )
    now = timezone.now()
    Assignment.objects.create(
        item=leased, queue=queue, contractor=Contractor(), claimed_at=now, lease_expires_at=now
    )
    migration.mark_duplicates(apps, None)
    with connection.cursor() as cursor:  # the deferred foreign-key checks first: then the index
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        editor.add_constraint(WorkItem, constraint)
    assert not WorkItem.objects.filter(pk=unused.pk).exists()
    leased.refresh_from_db()
    assert leased.payload == {"example_id": example.pk, "duplicate_of": kept.pk}
    assert leased.state == ItemState.CANCELLED and leased.assignments.count() == 1
    kept.refresh_from_db()
    assert kept.payload == {"example_id": example.pk} and kept.state == ItemState.OPEN
    assert items_add(queue=queue, items=[{"payload": {"example_id": example.pk}}]) == []


@pytest.mark.django_db(transaction=True)
def test_claims_go_on_while_items_are_being_added() -> None:
    """Adding items locks the queue row against other adds only: a claim in the same queue (whose
    new assignment's foreign key to the queue takes a key-share lock on that row) does not wait."""
    from gauntlet.workqueue.services import assignment_claim

    queue = _queue(eligible_qualifications=["probation", "qualified"])
    first, second = _example(1), _example(2)
    items_add(queue=queue, items=[{"payload": {"example_id": first.pk}}])
    adding, claimed = threading.Event(), threading.Event()

    def add() -> None:
        with transaction.atomic():
            items_add(queue=queue, items=[{"payload": {"example_id": second.pk}}])
            adding.set()
            assert claimed.wait(timeout=10), "the claim waited for the add to commit"

    def claim() -> object:
        assert adding.wait(timeout=30)
        assignment = assignment_claim(queue=queue, contractor=ContractorFactory())
        claimed.set()
        return assignment

    _, assignment = run_in_threads([add, claim])
    assert assignment is not None
