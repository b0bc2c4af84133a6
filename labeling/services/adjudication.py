"""A manager's adjudication: the decision on an item its raters could not decide.

An item whose raters tie (or only say "unsure") escalates to more raters while below its queue's
``max_judgments`` (:func:`labeling.services.consensus.item_consensus_update`); at the cap its
consensus stays undecided and final, and waits here (the selector
:func:`labeling.selectors.consensus_awaiting_adjudication` lists them). A manager's decision makes it
decided (method ``adjudicated``), so training data and exports take it, records who decided in the
audit log, and tells the item's kind (verification: the attack's verdict, bonus and author's
feedback follow).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.audit.services import audit_record
from gauntlet.errors import Invalid
from gauntlet.workqueue import registry
from gauntlet.workqueue.exceptions import AssignmentConflict
from labeling.models import Consensus, InjuryLabel
from labeling.services.consensus import ADJUDICATED

ADJUDICATION_LABELS = (InjuryLabel.INJURIOUS, InjuryLabel.NOT_INJURIOUS)


@transaction.atomic
def consensus_adjudicate(*, consensus: Consensus, label: str, by: User, note: str = "") -> Consensus:
    """Decide an undecided, final consensus as ``label`` (injurious or not injurious).

    Side effects: the Consensus row becomes decided and final with method ``adjudicated``
    (confidence 1, the raters' agreement kept); an ``consensus.adjudicated`` audit record names the
    manager; the item's kind is told through ``on_consensus_adjudicated`` when it has one (the
    verification kind records the attack's verdict). Raises ``Invalid`` (400) for another
    label and :class:`AssignmentConflict` (409) when the consensus is not awaiting adjudication (still
    escalated, or already decided). Idempotent for a repeated identical decision.
    """
    if label not in ADJUDICATION_LABELS:
        raise Invalid.in_fields(
            {"label": [f"Decide {' or '.join(ADJUDICATION_LABELS)}; unsure decides nothing."]}
        )
    locked = (
        Consensus.objects.select_for_update(of=("self",))
        .select_related("item", "queue", "example")
        .get(pk=consensus.pk)
    )
    if locked.method == ADJUDICATED and locked.label == label:
        return locked  # a retried decision
    if locked.decided or not locked.final:
        state = "already decided" if locked.decided else "still with its raters (escalated)"
        raise AssignmentConflict(
            "not_awaiting_adjudication",
            f"Consensus {locked.pk} is {state}: only undecided items are adjudicated.",
        )
    before = {"label": locked.label, "decided": locked.decided, "method": locked.method}
    locked.label, locked.decided, locked.method = label, True, ADJUDICATED
    locked.confidence, locked.computed_at = 1.0, timezone.now()
    locked.save(update_fields=["label", "decided", "method", "confidence", "computed_at"])
    audit_record(
        action="consensus.adjudicated",
        subject=locked,
        actor=by,
        before=before,
        after={"label": locked.label, "decided": True, "method": ADJUDICATED},
        note=note.strip(),
    )
    hook = getattr(registry.get_kind(locked.queue.kind), "on_consensus_adjudicated", None)
    if hook is not None:
        hook(item=locked.item, consensus=locked)
    return locked
