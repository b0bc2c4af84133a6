"""A test-only task kind and helpers for the work-queue engine's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from gauntlet.accounts.models import User
from gauntlet.errors import Invalid
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import Assignment, Queue, QueueState, WorkItem
from tests.factories import QueueFactory, new_contractor

TEST_KIND = "wq_test"


class YesNoKind(registry.TaskKind):
    """A trivial kind: items carry ``{"text": …}``, judgments are ``{"answer": "yes"|"no"}``."""

    kind = TEST_KIND

    def __init__(self) -> None:
        self.submitted: list[int] = []
        self.completed: list[int] = []
        self.rejected: list[int] = []

    def validate_item_payload(self, *, queue: Queue, payload: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(payload.get("text"), str) or not payload["text"].strip():
            raise Invalid.in_fields({"text": ["A non-empty string."]})
        return {"text": payload["text"].strip(), **{k: v for k, v in payload.items() if k == "author_id"}}

    def item_author_id(self, *, queue: Queue, payload: dict[str, Any]) -> int | None:
        return payload.get("author_id")

    def validate_submission(self, *, assignment: Assignment, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("answer") not in ("yes", "no"):
            raise Invalid.in_fields({"answer": ['Answer "yes" or "no".']})
        return {"answer": data["answer"]}

    def present(self, *, assignment: Assignment) -> dict[str, Any]:
        return {"text": assignment.item.payload["text"]}

    def on_submit(self, *, assignment: Assignment, result: dict[str, Any]) -> None:
        self.submitted.append(assignment.pk)

    def on_item_complete(self, *, item: WorkItem) -> None:
        self.completed.append(item.pk)

    def on_assignment_rejected(self, *, assignment: Assignment) -> None:
        self.rejected.append(assignment.pk)


@pytest.fixture(autouse=True)
def yes_no_kind() -> Iterator[YesNoKind]:
    handler = YesNoKind()
    previous = registry._KINDS.get(TEST_KIND)
    registry.register_kind(handler)
    yield handler
    if previous is None:
        registry._KINDS.pop(TEST_KIND, None)
    else:
        registry._KINDS[TEST_KIND] = previous


def make_queue(**fields: Any) -> Queue:
    fields.setdefault("kind", TEST_KIND)
    fields.setdefault("state", QueueState.OPEN)
    fields.setdefault("overlap", 2)
    fields.setdefault("eligible_qualifications", ["qualified"])
    queue = cast(Queue, QueueFactory(**fields))
    queue.refresh_from_db()  # decimals given as strings come back as Decimal
    return queue


def make_items(queue: Queue, count: int, **fields: Any) -> list[WorkItem]:
    fields.setdefault("judgments_wanted", queue.overlap)
    return WorkItem.objects.bulk_create(
        [WorkItem(queue=queue, payload={"text": f"item {n}"}, **fields) for n in range(count)]
    )


def make_contractors(count: int) -> list[User]:
    return [new_contractor() for _ in range(count)]
