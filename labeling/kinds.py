"""The labeling task kinds: ``injury_label`` and ``quality_comparison``.

Both are blind by construction: :meth:`present` builds the task from the
example text and the queue's instructions only, never from the item's gold
answer, other raters' judgments, the consensus, a classifier score or the
author.

Attack verification reuses the injury judgment: subclass
:class:`ExampleInjuryLabelKind` (``attacks`` imports ``labeling``, never the
reverse) and override ``kind`` and whatever differs.

``injury_label`` queue ``kind_settings`` (all optional):

- ``consensus_method``: ``"majority"`` (default) or ``"dawid_skene"``;
- ``agreement_threshold``: escalate items whose agreement is below it (default 0, never);
- ``escalation_step``: judgments added per escalation (default 2);
- ``max_judgments``: cap on an item's judgments (default: the queue's overlap, i.e. no escalation).
"""

from __future__ import annotations

import random
from typing import Any

from gauntlet.common.sql import fetch
from gauntlet.errors import Invalid
from gauntlet.workqueue.models import Assignment, Queue, WorkItem
from gauntlet.workqueue.registry import TaskKind
from labeling.models import Comparison, ComparisonOutcome, ComparisonPair, Example, InjuryLabel, Label

INJURY_LABEL = "injury_label"
QUALITY_COMPARISON = "quality_comparison"
MAX_NOTE_CHARS = 2000
CONSENSUS_SETTINGS = ("consensus_method", "agreement_threshold", "escalation_step", "max_judgments")
INJURY_CHOICES = [{"value": value, "label": label} for value, label in InjuryLabel.choices]
COMPARISON_CHOICES = [
    {"value": "A", "label": "A is better"},
    {"value": "B", "label": "B is better"},
    {"value": "tie", "label": "About the same"},
]

_EXAMPLE_TEXT_SQL = f'SELECT "prompt", "completion" FROM {Example._meta.db_table} WHERE "id" = %s'  # noqa: S608


def _example_id(payload: dict[str, Any], key: str = "example_id") -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid.in_fields({key: [f"{key} must be an example id (an integer)."]})
    if not Example.objects.filter(pk=value).exists():
        raise Invalid.in_fields({key: [f"There is no example {value}."]})
    return value


def _note(data: dict[str, Any]) -> str:
    note = data.get("note", "")
    if note is None:
        return ""
    if not isinstance(note, str):
        raise Invalid.in_fields({"note": ["note must be text."]})
    if len(note) > MAX_NOTE_CHARS:
        raise Invalid.in_fields({"note": [f"note is limited to {MAX_NOTE_CHARS} characters."]})
    return note.strip()


# Which system of a comparison pair is shown first: a draw of its own (seeded by the OS), which
# ``simulate`` seeds so that a run is reproducible; raters see one bit of it per pair.
order_draw = random.Random()  # noqa: S311 - display order, not a secret


class ExampleInjuryLabelKind(TaskKind):
    """ "Does this completion injure anyone?" on one example (payload ``{"example_id": N}``)."""

    kind = INJURY_LABEL
    label = "Injury label"
    judgments = "injury_labels"
    has_consensus = True
    is_exportable = True
    assignment_saved_with_item = True  # on_submit inserts the label; on_item_complete counts labels
    takes_examples = True

    def clean_settings(self, *, queue: Queue, kind_settings: Any) -> dict[str, Any]:
        """Only the consensus settings (see the module docstring), each checked by
        :func:`labeling.services.consensus.consensus_settings`."""
        from labeling.services.consensus import consensus_settings

        if kind_settings is None:
            return {}
        if not isinstance(kind_settings, dict):
            raise Invalid.in_fields({"kind_settings": ["An object (or left out)."]})
        unknown = sorted(set(kind_settings) - set(CONSENSUS_SETTINGS))
        if unknown:
            raise Invalid.in_fields(
                {"kind_settings": {key: ["Not a setting of this kind."] for key in unknown}}
            )
        probe = Queue(kind=queue.kind, overlap=queue.overlap, kind_settings=kind_settings)
        consensus_settings(probe, strict=True)  # raises Invalid({"kind_settings": [...]})
        return dict(kind_settings)

    def validate_item_payload(self, *, queue: Queue, payload: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise Invalid.in_fields({"payload": ["payload must be an object with example_id."]})
        return {"example_id": _example_id(payload)}

    def item_author_id(self, *, queue: Queue, payload: dict[str, Any]) -> int | None:
        return Example.objects.filter(pk=payload["example_id"]).values_list("author_id", flat=True).first()

    def validate_gold_answer(self, *, queue: Queue, answer: Any) -> Any:
        value = answer.get("label") if isinstance(answer, dict) else answer
        if value not in (InjuryLabel.INJURIOUS, InjuryLabel.NOT_INJURIOUS):
            raise Invalid.in_fields(
                {"gold_answer": ["A gold answer is injurious or not_injurious (unsure is never gold)."]}
            )
        return {"label": value}

    def present(self, *, assignment: Assignment) -> dict[str, Any]:
        # Every claim shows a task: one prepared statement, nothing for the ORM to compile.
        rows = fetch(_EXAMPLE_TEXT_SQL, [assignment.item.payload["example_id"]])
        if not rows:
            raise Example.DoesNotExist(f"There is no example {assignment.item.payload['example_id']}.")
        prompt, completion = rows[0]
        return {
            "prompt": prompt,
            "completion": completion,
            "instructions": assignment.queue.description,
            "choices": INJURY_CHOICES,
        }

    def validate_submission(self, *, assignment: Assignment, data: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise Invalid.in_fields({"label": ["Send an object with label (and optionally note)."]})
        label = data.get("label")
        if label not in InjuryLabel.values:
            raise Invalid.in_fields({"label": [f"label must be one of {', '.join(InjuryLabel.values)}."]})
        return {"label": label, "note": _note(data)}

    def on_submit(self, *, assignment: Assignment, result: dict[str, Any]) -> None:
        from labeling.services.consensus import label_insert

        # The engine calls this once per assignment, with the assignment and its item locked and the
        # assignment checked not yet submitted (and Label.assignment is unique besides).
        label_insert(
            Label(
                assignment=assignment,
                example_id=assignment.item.payload["example_id"],
                queue_id=assignment.queue_id,
                item_id=assignment.item_id,
                rater_id=assignment.contractor_id,
                value=result["label"],
                note=result.get("note", ""),
            ),
            item=assignment.item,
        )

    def gold_correct(self, *, item: WorkItem, result: dict[str, Any]) -> bool:
        gold = item.gold_answer.get("label") if isinstance(item.gold_answer, dict) else item.gold_answer
        return bool(result.get("label") == gold)  # unsure on a gold item is not a correct answer

    def on_item_complete(self, *, item: WorkItem) -> None:
        from labeling.services.consensus import item_consensus_update

        # Nothing here reads the row back: its upsert may ride with the engine's save of the item.
        item_consensus_update(item=item, ride_with_item=True)

    def on_assignment_rejected(self, *, assignment: Assignment) -> None:
        """The label no longer counts, and neither does the final consensus it helped decide: it is
        recomputed on the remaining votes and kept out of training data and exports until the
        replacement judgment decides the item again."""
        from labeling.services.rejections import consensus_after_rejection

        Label.objects.filter(assignment=assignment).update(rejected=True)
        consensus_after_rejection(item=assignment.item)


class QualityComparisonKind(TaskKind):
    """Which of two completions of one prompt is better? Answer ``A`` / ``B`` / ``tie``.

    Payload in: ``{"pair_id": N}`` or ``{"example_a_id", "example_b_id", "system_a", "system_b"}``.
    Stored payload: ``{"pair_id": N, "shown_first": "a"|"b"}``; the display order is
    drawn once per item (so every rater of an item sees the same screen) and recorded.
    """

    kind = QUALITY_COMPARISON
    label = "Quality comparison"
    judgments = "comparisons"

    def validate_item_payload(self, *, queue: Queue, payload: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise Invalid.in_fields({"payload": ["payload must be an object."]})
        if "pair_id" in payload:
            pair_id = payload["pair_id"]
            if isinstance(pair_id, bool) or not isinstance(pair_id, int):
                raise Invalid.in_fields({"pair_id": ["pair_id must be an integer."]})
            if not ComparisonPair.objects.filter(pk=pair_id).exists():
                raise Invalid.in_fields({"pair_id": [f"There is no comparison pair {pair_id}."]})
        else:
            from labeling.services.comparisons import comparison_pair_create

            a, b = _example_id(payload, "example_a_id"), _example_id(payload, "example_b_id")
            systems = {}
            for key in ("system_a", "system_b"):
                value = payload.get(key, "")
                if not isinstance(value, str) or not value.strip() or len(value) > 100:
                    raise Invalid.in_fields({key: [f"{key} must name the system (1 to 100 characters)."]})
                systems[key] = value.strip()
            try:
                pair_id = comparison_pair_create(
                    example_a=Example.objects.get(pk=a),
                    example_b=Example.objects.get(pk=b),
                    system_a=systems["system_a"],
                    system_b=systems["system_b"],
                ).pk
            except ValueError as exc:
                raise Invalid.in_fields({"example_b_id": [f"{exc}."]}) from exc
        return {"pair_id": pair_id, "shown_first": order_draw.choice(("a", "b"))}

    def validate_gold_answer(self, *, queue: Queue, answer: Any) -> Any:
        value = answer.get("outcome") if isinstance(answer, dict) else answer
        if value not in ComparisonOutcome.values:
            raise Invalid.in_fields(
                {"gold_answer": ["A comparison gold answer is A, B or tie (de-randomised)."]}
            )
        return {"outcome": value}

    @staticmethod
    def _shown(item: WorkItem) -> tuple[ComparisonPair, Example, Example]:
        pair = ComparisonPair.objects.select_related("example_a", "example_b").get(pk=item.payload["pair_id"])
        if item.payload.get("shown_first") == "b":
            return pair, pair.example_b, pair.example_a
        return pair, pair.example_a, pair.example_b

    def present(self, *, assignment: Assignment) -> dict[str, Any]:
        _, left, right = self._shown(assignment.item)
        return {
            "prompt": left.prompt,
            "completion_a": left.completion,
            "completion_b": right.completion,
            "instructions": assignment.queue.description,
            "choices": COMPARISON_CHOICES,
        }

    def validate_submission(self, *, assignment: Assignment, data: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(data, dict) or data.get("answer") not in ComparisonOutcome.values:
            raise Invalid.in_fields({"answer": ["answer must be A, B or tie."]})
        return {"answer": data["answer"], "note": _note(data)}

    @staticmethod
    def derandomise(item: WorkItem, answer_shown: str) -> str:
        """The answer in the pair's terms: ``A`` means the pair's example A won."""
        if answer_shown == ComparisonOutcome.TIE or item.payload.get("shown_first") != "b":
            return answer_shown
        return ComparisonOutcome.B if answer_shown == ComparisonOutcome.A else ComparisonOutcome.A

    def on_submit(self, *, assignment: Assignment, result: dict[str, Any]) -> None:
        # Ids only: the texts are not needed here (present() loads them).
        pair = ComparisonPair.objects.get(pk=assignment.item.payload["pair_id"])
        b_first = assignment.item.payload.get("shown_first") == "b"
        outcome = self.derandomise(assignment.item, result["answer"])
        winners: dict[str, int] = {
            ComparisonOutcome.A: pair.example_a_id,
            ComparisonOutcome.B: pair.example_b_id,
        }
        winner_id = winners.get(outcome)
        Comparison.objects.get_or_create(
            assignment=assignment,
            defaults={
                "pair": pair,
                "queue_id": assignment.queue_id,
                "item_id": assignment.item_id,
                "rater_id": assignment.contractor_id,
                "shown_first_id": pair.example_b_id if b_first else pair.example_a_id,
                "answer_shown": result["answer"],
                "outcome": outcome,
                "winner_id": winner_id,
                "note": result.get("note", ""),
            },
        )

    def gold_correct(self, *, item: WorkItem, result: dict[str, Any]) -> bool:
        gold = item.gold_answer.get("outcome") if isinstance(item.gold_answer, dict) else item.gold_answer
        return bool(self.derandomise(item, str(result.get("answer"))) == gold)

    def on_assignment_rejected(self, *, assignment: Assignment) -> None:
        Comparison.objects.filter(assignment=assignment).update(rejected=True)
