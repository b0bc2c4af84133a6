"""The engine under real contention: threads, each with its own PostgreSQL connection,
claiming and submitting at once. Counts are read back from the database afterwards."""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import Count, F

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment, AssignmentStatus, ItemState, Queue, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_submit, leases_expire
from gauntlet.workqueue.services.claim_sql import CLAIM_LOCK_NAMESPACE
from tests.gauntlet.workqueue.conftest import make_contractors, make_items, make_queue
from tests.services import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True)]


def drain(queue: Queue, contractor: User, limit: int = 10_000) -> list[int]:
    """Claim and submit until the queue has nothing left for this contractor; the items judged."""
    judged = []
    for _ in range(limit):
        assignment = assignment_claim(queue=queue, contractor=contractor)
        if assignment is None:
            break
        assignment_submit(assignment=assignment, contractor=contractor, data={"answer": "yes"})
        judged.append(assignment.item_id)
    return judged


def test_parallel_claims_never_lease_one_slot_twice() -> None:
    queue = make_queue(overlap=1, max_open_assignments=10_000)
    items = make_items(queue, 240)
    contractors = make_contractors(8)

    def hoard(contractor: User) -> Callable[[], list[int]]:
        def work() -> list[int]:
            got = []
            while (assignment := assignment_claim(queue=queue, contractor=contractor)) is not None:
                got.append(assignment.item_id)
            return got

        return work

    leased = [item for got in run_in_threads([hoard(c) for c in contractors]) for item in got]
    assert sorted(leased) == sorted(i.pk for i in items)  # every item once, none twice
    assert not WorkItem.objects.filter(queue=queue).exclude(active_leases=1).exists()


def test_parallel_claim_and_submit_fill_every_item_exactly_and_never_judge_twice() -> None:
    queue = make_queue(overlap=3)
    make_items(queue, 60)
    contractors = make_contractors(8)

    judged = run_in_threads([functools.partial(drain, queue, c) for c in contractors])

    for got in judged:
        assert len(got) == len(set(got)), "a contractor judged an item twice"
    items = WorkItem.objects.filter(queue=queue)
    assert not items.filter(judgments_received__gt=F("judgments_wanted")).exists(), "overfilled"
    assert set(items.values_list("state", "judgments_received", "active_leases")) == {
        (ItemState.COMPLETE, 3, 0)
    }
    per_pair = (
        Assignment.objects.filter(queue=queue, status=AssignmentStatus.SUBMITTED)
        .values("item", "contractor")
        .annotate(n=Count("id"))
    )
    assert max(row["n"] for row in per_pair) == 1
    assert Assignment.objects.filter(queue=queue, status=AssignmentStatus.SUBMITTED).count() == 180
    assert sum(len(got) for got in judged) == 180


def test_gold_items_are_mixed_in_at_the_queue_rate() -> None:
    queue = make_queue(overlap=1, gold_rate="0.250")
    make_items(queue, 600)
    make_items(queue, 40, is_gold=True, gold_answer={"answer": "yes"}, judgments_wanted=100)
    contractors = make_contractors(4)

    def work(contractor: User) -> Callable[[], None]:
        def claim_some() -> None:
            for _ in range(60):
                assignment = assignment_claim(queue=queue, contractor=contractor)
                assert assignment is not None
                answer = "yes" if assignment.pk % 2 else "no"
                assignment_submit(assignment=assignment, contractor=contractor, data={"answer": answer})

        return claim_some

    run_in_threads([work(c) for c in contractors])
    served = Assignment.objects.filter(queue=queue)
    gold = served.filter(item__is_gold=True)
    share = gold.count() / served.count()
    assert served.count() == 240
    assert 0.15 <= share <= 0.35, share  # 0.25 ± 3.5 standard deviations of 240 draws
    # Every gold judgment was scored, and scoring matches the answer given.
    assert gold.filter(gold_correct__isnull=True).count() == 0
    for assignment in gold:
        assert assignment.gold_correct == (assignment.result == {"answer": "yes"})


def test_expired_leases_are_reclaimed_while_others_claim_and_a_sweeper_runs() -> None:
    queue = make_queue(overlap=2, lease_seconds=60)
    make_items(queue, 30)
    abandoners = make_contractors(4)
    workers = make_contractors(6)

    # Four contractors lease two slots' worth of items each and walk away.
    Queue.objects.filter(pk=queue.pk).update(max_open_assignments=1000)
    queue.refresh_from_db()
    for contractor in abandoners:
        for _ in range(5):
            assert assignment_claim(queue=queue, contractor=contractor) is not None
    Assignment.objects.filter(queue=queue).update(lease_expires_at=F("claimed_at"))  # already run out
    Queue.objects.filter(pk=queue.pk).update(max_open_assignments=1)
    queue.refresh_from_db()

    stop = threading.Event()

    def sweeper() -> int:
        swept = 0
        while not stop.is_set():
            swept += leases_expire()
            time.sleep(0.005)
        return swept

    swept: list[int] = []

    def sweep() -> None:
        try:
            swept.append(sweeper())
        finally:
            connection.close()

    sweep_thread = threading.Thread(target=sweep)
    sweep_thread.start()
    try:
        judged = run_in_threads([functools.partial(drain, queue, c) for c in workers])
    finally:
        stop.set()
        sweep_thread.join(timeout=30)
    assert sum(len(got) for got in judged) == 60

    items = WorkItem.objects.filter(queue=queue)
    assert set(items.values_list("state", "judgments_received", "active_leases")) == {
        (ItemState.COMPLETE, 2, 0)
    }
    statuses = Counter(Assignment.objects.filter(queue=queue).values_list("status", flat=True))
    assert statuses == {AssignmentStatus.EXPIRED: 20, AssignmentStatus.SUBMITTED: 60}


def test_a_double_click_leases_one_item_even_when_both_claims_queue_behind_a_lock() -> None:
    """Two claims by one contractor that both have to wait (here: behind a third connection
    holding the contractor's claim lock) must still end with one live lease, not two."""
    import psycopg

    queue = make_queue(overlap=1, max_open_assignments=1)
    make_items(queue, 5)
    (contractor,) = make_contractors(1)
    database = connection.settings_dict
    blocker = psycopg.connect(
        host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"], dbname=database["NAME"]
    )
    with blocker.transaction():
        blocker.execute(
            "SELECT 1 FROM accounts_contractorprofile WHERE user_id = %s FOR UPDATE", [contractor.pk]
        )
        blocker.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CLAIM_LOCK_NAMESPACE, contractor.pk])
        threads = [
            threading.Thread(
                target=lambda: (assignment_claim(queue=queue, contractor=contractor), connection.close())
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # both claims are now waiting for the lock the blocker holds
    blocker.close()
    for thread in threads:
        thread.join(timeout=30)
    live = Assignment.objects.filter(queue=queue, contractor=contractor, status=AssignmentStatus.LEASED)
    assert live.count() == 1
