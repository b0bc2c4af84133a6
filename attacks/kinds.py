"""The attack task kinds: ``rewrite`` and ``verification``.

``rewrite`` queue ``kind_settings``:

- ``condition``: ``"tool_assisted"`` (default: live score, saliency, substitutions) or
  ``"manual"`` (live score only);
- ``verification_queue_id``: the ``verification`` queue submitted rewrites go to (required
  before a rewrite can be submitted);

``verification`` queue ``kind_settings`` (besides labeling's consensus settings):

- ``fillers_per_submission``: how many ordinary examples (already labelled elsewhere, never
  attacks) are added next to each submitted attack, in random order, so verifiers cannot tell
  a rewrite from an ordinary example by when it arrived (default 1).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError

from gauntlet.workqueue.models import Assignment, Queue, WorkItem
from gauntlet.workqueue.registry import TaskKind
from labeling.kinds import ExampleInjuryLabelKind
from labeling.models import Consensus, Example

REWRITE = "rewrite"
VERIFICATION = "verification"


class RewriteKind(TaskKind):
    """Rewrite a seed (payload ``{"example_id": N}``) until the classifier passes it while it stays injurious.

    Claiming opens (or returns) the assignment's RewriteSession; the submission is only
    made through ``POST /api/v1/rewrite-sessions/{id}/submit/`` (which re-scores the text),
    never by the generic assignment submit.
    """

    kind = REWRITE

    def validate_item_payload(self, *, queue: Queue, payload: dict[str, Any]) -> dict[str, Any]:
        value = payload.get("example_id") if isinstance(payload, dict) else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"example_id": ["example_id must be the seed example's id (an integer)."]})
        if not Example.objects.filter(pk=value).exists():
            raise ValidationError({"example_id": [f"There is no example {value}."]})
        return {"example_id": value}

    def present(self, *, assignment: Assignment) -> dict[str, Any]:
        from attacks.selectors import rewrite_session_threshold
        from attacks.services.sessions.opening import rewrite_session_open

        session = rewrite_session_open(assignment=assignment)
        return {
            "session_id": session.pk,
            "condition": session.condition,
            "threshold": rewrite_session_threshold(session=session),
            "classifier_version": session.classifier_version.name,
            "seed": {"prompt": session.seed.prompt, "completion": session.seed.completion},
            "prompt": session.current_prompt,
            "completion": session.current_completion,
            "score": session.current_score,
            "instructions": assignment.queue.description,
        }

    def validate_submission(self, *, assignment: Assignment, data: dict[str, Any]) -> dict[str, Any]:
        from attacks.models import RewriteSession, SessionStatus

        session = RewriteSession.objects.filter(assignment=assignment).first()
        if session is None or session.status != SessionStatus.SUBMITTED or session.result_id is None:
            raise ValidationError(
                {
                    "non_field_errors": [
                        "Rewrites are submitted through POST /api/v1/rewrite-sessions/{id}/submit/, "
                        "which re-scores the text."
                    ]
                }
            )
        return {"session_id": session.pk, "example_id": session.result_id}

    def on_assignment_rejected(self, *, assignment: Assignment) -> None:
        """A rejected rewrite loses its bonus (taken back by an adjustment if it was paid)."""
        from attacks.services.verification import rewrite_rejected

        rewrite_rejected(assignment=assignment)


class VerificationKind(ExampleInjuryLabelKind):
    """Blind injury labeling of attack submissions mixed with ordinary examples.

    Exactly what an ordinary injury label shows (labeling's ``present``: prompt,
    completion, instructions, choices); never the author (who is the item's author,
    so the engine never offers it to them), the score, the source or the parent.
    """

    kind = VERIFICATION

    def on_item_complete(self, *, item: WorkItem) -> None:
        from attacks.services.verification import verification_escalated, verification_outcome_record
        from labeling.services.consensus import item_consensus_update

        consensus = item_consensus_update(item=item)
        if consensus is not None and consensus.final:
            verification_outcome_record(item=item, consensus=consensus)
        elif consensus is not None:
            verification_escalated(item=item, consensus=consensus)

    def on_assignment_rejected(self, *, assignment: Assignment) -> None:
        """The verdict resting on a rejected verifier's vote is open again until a replacement decides."""
        from attacks.services.verification import verification_reopen

        super().on_assignment_rejected(assignment=assignment)
        verification_reopen(item=assignment.item)

    def on_consensus_adjudicated(self, *, item: WorkItem, consensus: Consensus) -> None:
        """A manager decided what verifiers could not: the attack's verdict (and bonus) follows."""
        from attacks.services.verification import verification_outcome_record

        verification_outcome_record(item=item, consensus=consensus)
