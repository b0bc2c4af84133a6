"""Payments test helpers: queues of a neutral test kind, and work done through the real engine."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import Assignment, Queue
from gauntlet.workqueue.services import assignment_claim, assignment_submit, items_add, queue_create
from tests.factories import new_contractor, new_manager

TEST_KIND = "payments_test"


class PaymentsTestKind(registry.TaskKind):
    """Accepts any payload and any submission: payments only cares about the money."""

    kind = TEST_KIND


registry.register_kind(PaymentsTestKind())

_names = itertools.count()


def make_queue(*, created_by: User | None = None, **fields: Any) -> Queue:
    """An open queue of the test kind; one judgment per item unless told otherwise."""
    fields.setdefault("state", "open")
    fields.setdefault("overlap", 1)
    fields.setdefault("pay_per_task", Decimal("0.25"))
    return queue_create(
        created_by=created_by or new_manager(), name=f"pay queue {next(_names)}", kind=TEST_KIND, **fields
    )


def do_work(
    queue: Queue,
    contractor: User,
    *,
    active_seconds: int = 0,
    submitted_at: dt.datetime | None = None,
) -> Assignment:
    """Add an item, claim and submit it through the engine; then set the measured active time
    (heartbeat time is wall-clock, so tests pin it) and optionally backdate the submission."""
    items_add(queue=queue, items=[{"payload": {"n": next(_names)}}])
    assignment = assignment_claim(queue=queue, contractor=contractor)
    assert assignment is not None, "the contractor could not claim the item just added"
    assignment_submit(assignment=assignment, contractor=contractor, data={"answer": "ok"})
    updates: dict[str, Any] = {"active_seconds": active_seconds}
    if submitted_at is not None:
        updates["submitted_at"] = submitted_at
    Assignment.objects.filter(pk=assignment.pk).update(**updates)
    return Assignment.objects.select_related("queue", "contractor").get(pk=assignment.pk)


@pytest.fixture
def work() -> Callable[..., Assignment]:
    return do_work


@pytest.fixture
def queue_factory(manager: User) -> Callable[..., Queue]:
    def make(**fields: Any) -> Queue:
        return make_queue(created_by=manager, **fields)

    return make


@pytest.fixture
def other_contractor(db: None) -> User:
    return new_contractor()


def ago(seconds: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)
