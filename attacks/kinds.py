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

from dataclasses import dataclass
from typing import Any

from attacks.models import Condition
from gauntlet.accounts.models import User
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue.models import Assignment, Queue, WorkItem
from gauntlet.workqueue.registry import TaskKind
from labeling.kinds import ExampleInjuryLabelKind
from labeling.models import Consensus, Example

REWRITE = "rewrite"
VERIFICATION = "verification"
MAX_FILLERS = 20


@dataclass(frozen=True)
class RewriteSettings:
    condition: str  # Condition: tool_assisted (live score, saliency, substitutions) or manual
    verification_queue_id: int | None  # where submitted rewrites are verified; required to submit


def _settings_object(kind_settings: Any) -> dict[str, Any]:
    if kind_settings is None:
        return {}
    if not isinstance(kind_settings, dict):
        raise Invalid.in_fields({"kind_settings": ["An object (or left out)."]})
    return kind_settings


class RewriteKind(TaskKind):
    """Rewrite a seed (payload ``{"example_id": N}``) until the classifier passes it while it stays injurious.

    Claiming is refused (409, nothing leased) while no classifier is active; a claim opens the
    assignment's RewriteSession (:meth:`on_claim`); the submission is only
    made through ``POST /api/v1/rewrite-sessions/{id}/submit/`` (which re-scores the text),
    never by the generic assignment submit.
    """

    kind = REWRITE
    takes_examples = True  # a selection of examples becomes seeds

    def validate_item_payload(self, *, queue: Queue, payload: dict[str, Any]) -> dict[str, Any]:
        value = payload.get("example_id") if isinstance(payload, dict) else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid.in_fields(
                {"example_id": ["example_id must be the seed example's id (an integer)."]}
            )
        if not Example.objects.filter(pk=value).exists():
            raise Invalid.in_fields({"example_id": [f"There is no example {value}."]})
        return {"example_id": value}

    label = "Rewrite (attack)"

    def clean_settings(self, *, queue: Queue, kind_settings: Any) -> dict[str, Any]:
        raw = _settings_object(kind_settings)
        errors: dict[str, list[str]] = {
            key: ["Not a setting of rewrite queues."]
            for key in sorted(set(raw) - {"condition", "verification_queue_id"})
        }
        cleaned: dict[str, Any] = {}
        if "condition" in raw:
            if raw["condition"] not in Condition.values:
                errors["condition"] = [f"One of {', '.join(Condition.values)}."]
            else:
                cleaned["condition"] = raw["condition"]
        if "verification_queue_id" in raw:
            target = raw["verification_queue_id"]
            if isinstance(target, bool) or not isinstance(target, int):
                errors["verification_queue_id"] = ["The id (an integer) of a verification queue."]
            elif not Queue.objects.filter(pk=target, kind=VERIFICATION).exists():
                errors["verification_queue_id"] = [f"There is no verification queue {target}."]
            else:
                cleaned["verification_queue_id"] = target
        if errors:
            raise Invalid.in_fields({"kind_settings": errors})
        return cleaned

    def settings(self, queue: Queue) -> RewriteSettings:
        """The queue's settings, typed, with their defaults."""
        raw = queue.kind_settings if isinstance(queue.kind_settings, dict) else {}
        condition = raw.get("condition", Condition.TOOL_ASSISTED)
        target = raw.get("verification_queue_id")
        return RewriteSettings(
            condition=condition if condition in Condition.values else Condition.TOOL_ASSISTED,
            verification_queue_id=target
            if isinstance(target, int) and not isinstance(target, bool)
            else None,
        )

    def check_claim(self, *, queue_id: int, contractor: User) -> None:
        """No seed is leased while there is no classifier to attack (it would be leased and then refused)."""
        from ml_worker.selectors import classifier_version_active

        if classifier_version_active() is None:
            raise Conflict(
                "no_active_classifier", "No classifier version is active; a manager must promote one first."
            )

    def on_claim(self, *, assignment: Assignment) -> None:
        """Open the assignment's session (scores the seed once); a claim handed back finds it open."""
        from attacks.services.sessions.opening import rewrite_session_open_on_claim

        rewrite_session_open_on_claim(assignment=assignment)

    def present(self, *, assignment: Assignment) -> dict[str, Any]:
        """The session as it stands (a read: the session was opened by :meth:`on_claim`). Before it
        exists (its opening failed, e.g. no gpu worker answered) the seed and ``session_id: null``."""
        from attacks.models import RewriteSession
        from attacks.selectors import rewrite_session_threshold

        session = (
            RewriteSession.objects.select_related("seed", "classifier_version")
            .filter(assignment_id=assignment.pk)
            .first()
        )
        if session is None:
            seed = Example.objects.only("prompt", "completion").get(pk=assignment.item.payload["example_id"])
            return {
                "session_id": None,
                "condition": self.settings(assignment.queue).condition,
                "seed": {"prompt": seed.prompt, "completion": seed.completion},
                "prompt": seed.prompt,
                "completion": seed.completion,
                "instructions": assignment.queue.description,
            }
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
            raise Invalid.in_fields(
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
    label = "Verification"
    takes_examples = False  # filled by submissions and their fillers, never from a selection
    assignment_saved_with_item = False  # on_item_complete records verdicts and bonuses: not vetted

    def clean_settings(self, *, queue: Queue, kind_settings: Any) -> dict[str, Any]:
        """Labeling's consensus settings, plus ``fillers_per_submission`` (an integer, 0 to 20)."""
        raw = dict(_settings_object(kind_settings))
        fillers = raw.pop("fillers_per_submission", None)
        errors: dict[str, Any] = {}
        try:
            cleaned = super().clean_settings(queue=queue, kind_settings=raw)
        except Invalid as exc:
            detail = exc.fields.get("kind_settings")
            if isinstance(detail, dict):
                errors.update(detail)
            else:
                errors["consensus"] = detail
            cleaned = {}
        if fillers is not None:
            if isinstance(fillers, bool) or not isinstance(fillers, int) or not 0 <= fillers <= MAX_FILLERS:
                errors["fillers_per_submission"] = [f"An integer from 0 to {MAX_FILLERS}."]
            else:
                cleaned["fillers_per_submission"] = fillers
        if errors:
            raise Invalid.in_fields({"kind_settings": errors})
        return cleaned

    def on_item_complete(self, *, item: WorkItem) -> None:
        from attacks.services.verification import verification_escalated, verification_outcome_record
        from labeling.services.consensus import item_consensus_update

        consensus = item_consensus_update(item=item)
        if consensus is not None and consensus.final:
            verification_outcome_record(item=item, consensus=consensus)
        elif consensus is not None:
            verification_escalated(item=item, consensus=consensus)

    def on_consensus_adjudicated(self, *, item: WorkItem, consensus: Consensus) -> None:
        """A manager decided what verifiers could not: the attack's verdict (and bonus) follows."""
        from attacks.services.verification import verification_outcome_record

        verification_outcome_record(item=item, consensus=consensus)

    def on_assignment_rejected(self, *, assignment: Assignment) -> None:
        """The verdict resting on a rejected verifier's vote is open again until a replacement decides."""
        from attacks.services.verification import verification_reopen

        super().on_assignment_rejected(assignment=assignment)
        verification_reopen(item=assignment.item)
