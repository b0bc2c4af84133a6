"""Where task kinds and lifecycle listeners plug into the engine.

The engine (claim, heartbeat, release, submit, review) knows no kind. Each app
that owns a kind registers a :class:`TaskKind` in its ``AppConfig.ready()``::

    registry.register_kind(InjuryLabelKind())

and apps that react to the lifecycle (payments pays on approval, labeling
computes consensus when an item completes) register listeners::

    registry.on_assignment_reviewed(pay_on_review)

Every hook runs inside the engine's transaction, with the item row locked:
a hook that raises rolls the whole operation back. Hooks must be idempotent
where the docstring says the engine may call them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gauntlet.workqueue.models import Assignment, Queue, WorkItem


class TaskKind:
    """Base class for a kind's handler; override what the kind needs.

    ``validate_*`` methods raise ``rest_framework.exceptions.ValidationError``
    (a dict of field errors) for bad input; the API turns that into a 400.
    """

    kind: str = ""

    def validate_item_payload(self, *, queue: Queue, payload: dict[str, Any]) -> dict[str, Any]:
        """Check and normalise an item's payload when a manager adds it. Returns the stored payload."""
        return payload

    def item_author_id(self, *, queue: Queue, payload: dict[str, Any]) -> int | None:
        """Who authored what the item judges (never offered to them). None: nobody."""
        return None

    def validate_gold_answer(self, *, queue: Queue, answer: Any) -> Any:
        """Check a gold answer for this kind; returns the stored form."""
        return answer

    def present(self, *, assignment: Assignment) -> dict[str, Any]:
        """What the contractor sees for this assignment. Must be blind: no gold answer,
        no other rater's judgment, no consensus, nothing the kind says to hide."""
        return dict(assignment.item.payload)

    def validate_submission(self, *, assignment: Assignment, data: dict[str, Any]) -> dict[str, Any]:
        """Check a contractor's submission; returns the normalised result stored on the assignment."""
        return data

    def on_submit(self, *, assignment: Assignment, result: dict[str, Any]) -> None:
        """Write the kind's own rows for an accepted submission (called once per assignment)."""

    def gold_correct(self, *, item: WorkItem, result: dict[str, Any]) -> bool:
        """Whether a submission on a gold item matches its answer."""
        return bool(result == item.gold_answer)

    def on_item_complete(self, *, item: WorkItem) -> None:
        """The item just received all the judgments it wants (consensus, escalation).
        May raise ``item.judgments_wanted`` to reopen it; the engine saves the item after."""

    def on_assignment_rejected(self, *, assignment: Assignment) -> None:
        """A manager rejected a submitted judgment: it no longer counts."""


_KINDS: dict[str, TaskKind] = {}
AssignmentListener = Callable[["Assignment"], None]
_REVIEW_LISTENERS: list[AssignmentListener] = []
_SUBMIT_LISTENERS: list[AssignmentListener] = []


def register_kind(handler: TaskKind) -> None:
    if not handler.kind:
        raise ValueError("a TaskKind needs its kind name")
    _KINDS[handler.kind] = handler  # re-registration (autoreload, tests) replaces


def get_kind(kind: str) -> TaskKind:
    """The registered handler, or the neutral base handler for a kind nobody registered."""
    return _KINDS.get(kind) or TaskKind()


def registered_kinds() -> list[str]:
    return sorted(_KINDS)


def on_assignment_reviewed(listener: AssignmentListener) -> None:
    """Call ``listener(assignment)`` after an assignment is approved or rejected
    (by a manager or auto-approval). May be called again for the same assignment
    if a review is retried: listeners must be idempotent."""
    if listener not in _REVIEW_LISTENERS:
        _REVIEW_LISTENERS.append(listener)


def on_assignment_submitted(listener: AssignmentListener) -> None:
    """Call ``listener(assignment)`` once, when an assignment is first submitted."""
    if listener not in _SUBMIT_LISTENERS:
        _SUBMIT_LISTENERS.append(listener)


def notify_reviewed(assignment: Assignment) -> None:
    for listener in _REVIEW_LISTENERS:
        listener(assignment)


def notify_submitted(assignment: Assignment) -> None:
    for listener in _SUBMIT_LISTENERS:
        listener(assignment)
