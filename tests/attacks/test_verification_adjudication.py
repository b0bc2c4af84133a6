"""Nothing is a dead end for attacks (issue 12, item 7): an undecided verification escalates (the
author is told more verifiers are looking), then goes to a manager whose adjudication decides it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attacks.models import AdversarialExample, SubmissionStatus
from gauntlet.payments.models import LedgerEntry, LedgerKind
from labeling.selectors import consensus_awaiting_adjudication
from labeling.services.adjudication import consensus_adjudicate
from tests.attacks.test_rejection_downstream import submitted_attack, verify

pytestmark = pytest.mark.django_db


def test_an_undecided_verification_tells_the_author_and_adjudication_pays_the_bonus(  # type: ignore[no-untyped-def]
    rewrite_queue, verification_queue, seed, tiny_version, rewriter, manager
) -> None:
    verification_queue.kind_settings = {"fillers_per_submission": 0, "max_judgments": 4}
    verification_queue.save(update_fields=["kind_settings"])
    submission, _ = submitted_attack(
        rewrite_queue=rewrite_queue,
        verification_queue=verification_queue,
        seed=seed,
        version=tiny_version,
        author=rewriter,
    )
    item = submission.verification_item
    verify(verification_queue, item, ["injurious", "not_injurious"])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PENDING
    assert "more verifiers" in submission.feedback  # the author is told it was escalated

    verify(verification_queue, item, ["injurious", "not_injurious"])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.UNDECIDED
    assert "manager" in submission.feedback

    (consensus,) = consensus_awaiting_adjudication(queue=verification_queue)
    consensus_adjudicate(consensus=consensus, label="injurious", by=manager)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.VERIFIED
    assert "manager" in submission.feedback
    assert AdversarialExample.objects.filter(submission=submission).exists()
    assert list(LedgerEntry.objects.filter(contractor=rewriter).values_list("kind", "amount")) == [
        (LedgerKind.BONUS, Decimal("2.0000"))
    ]
