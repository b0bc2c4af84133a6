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

from gauntlet.errors import Invalid

if TYPE_CHECKING:
    from gauntlet.accounts.models import User
    from gauntlet.workqueue.models import Assignment, Queue, WorkItem


class TaskKind:
    """Base class for a kind's handler; override what the kind needs.

    The contract, in the order the engine uses it:

    - ``clean_settings``: a queue's ``kind_settings`` checked and normalised when a manager creates
      or edits the queue (field errors → 400); ``settings`` reads them back typed.
    - ``check_claim``: may refuse a claim *before* anything is leased (raise an error).
    - ``on_claim``: the claim's side effects (open a session, …), after the lease, idempotent: it
      runs again when the contractor claims and is handed back the assignment they already hold.
    - ``present``: a pure read of what the contractor sees (no writes, no model calls), so listing
      one's assignments changes nothing.
    - ``validate_submission`` / ``on_submit`` / ``gold_correct`` / ``on_item_complete`` /
      ``on_assignment_rejected``: the submit and review lifecycle.

    Capabilities (class attributes) say what the apps above may do with a kind's queues, so they
    ask the kind instead of comparing names: ``judgments`` (where its judgments are stored:
    ``"injury_labels"``, ``"comparisons"`` or None), ``has_consensus``, ``is_exportable`` and
    ``takes_examples`` (its items are examples, so a queue of it can be filled from a selection).

    ``validate_*`` and ``clean_settings`` raise :class:`~gauntlet.errors.Invalid` for bad input
    (``Invalid.in_fields``: its ``fields`` say what to fix; the API turns it into a 400).
    """

    kind: str = ""
    label: str = ""  # what a manager reads, e.g. "Injury label"
    judgments: str | None = None
    has_consensus: bool = False
    is_exportable: bool = False
    takes_examples: bool = False
    # The kind's on_submit and on_item_complete never read the submitted assignment's row back from
    # the database: the engine may then send the assignment's submitted state in the statement that
    # saves the item's counters at the end of the submit (one round trip fewer). Off unless a kind
    # says so; every hook and listener after the submit's transaction sees the same rows either way.
    assignment_saved_with_item: bool = False

    def clean_settings(self, *, queue: Queue, kind_settings: Any) -> dict[str, Any]:
        """The queue's ``kind_settings`` as stored: an object whose every key this kind knows.

        The base kind takes none; a kind with settings overrides this (and :meth:`settings`)."""
        if kind_settings in (None, {}):
            return {}
        if not isinstance(kind_settings, dict):
            raise Invalid.in_fields({"kind_settings": ["An object (or left out)."]})
        raise Invalid.in_fields(
            {"kind_settings": {key: ["Not a setting of this kind."] for key in kind_settings}}
        )

    def check_claim(self, *, queue_id: int, contractor: User) -> None:
        """Raise (a domain error saying why) to refuse a claim before anything is leased."""

    def on_claim(self, *, assignment: Assignment) -> None:
        """Side effects of a claim (the assignment is leased and committed). Idempotent."""

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
        """What the contractor sees for this assignment: a pure read (called on every list of
        one's assignments). Must be blind: no gold answer, no other rater's judgment, no
        consensus, nothing the kind says to hide."""
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
    """Every kind name a queue may have: the registry is the only list of them."""
    return sorted(_KINDS)


def kind_choices() -> list[tuple[str, str]]:
    """``(name, label)`` of every registered kind, for forms and filters."""
    return [(name, _KINDS[name].label or name) for name in sorted(_KINDS)]


def kinds_with(capability: str, value: object = None) -> list[str]:
    """The names of the registered kinds whose ``capability`` attribute is truthy, or equals
    ``value`` when given (``kinds_with("has_consensus")``, ``kinds_with("judgments", "comparisons")``)."""
    found = {name: getattr(handler, capability, None) for name, handler in _KINDS.items()}
    return sorted(name for name, has in found.items() if (has == value if value is not None else has))


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
