"""Manager actions on a rater flagged by the audit: probation or block."""

from __future__ import annotations

from django.db import transaction

from gauntlet.accounts.models import ContractorProfile, Qualification, User
from gauntlet.accounts.services import contractor_set_qualification
from gauntlet.errors import Invalid


def _require_contractor(rater: User) -> None:
    if not rater.is_contractor or not ContractorProfile.objects.filter(user=rater).exists():
        raise Invalid.in_fields({"rater": ["Only contractors can be put on probation or blocked."]})


@transaction.atomic
def rater_probation(*, rater: User, by: User, note: str = "") -> ContractorProfile:
    """Move a contractor to probation (they keep working on queues that admit probation).
    Idempotent."""
    _require_contractor(rater)
    return contractor_set_qualification(
        contractor=rater,
        qualification=Qualification.PROBATION,
        note=note or f"probation by {by.email}",
        actor=by,
    )


@transaction.atomic
def rater_block(*, rater: User, by: User, note: str = "") -> ContractorProfile:
    """Block a contractor through the work queue, which also releases their open leases.
    Idempotent."""
    from gauntlet.workqueue.services import contractor_block

    _require_contractor(rater)
    contractor_block(contractor=rater, by=by, note=note or f"blocked by {by.email}")
    return ContractorProfile.objects.get(user=rater)
