"""One trick, one bonus (issue 12, item 5): near-duplicate control covers every author's pending and
verified work, runs under a lock (two submits racing on real threads, each with its own connection,
register one attack), and runs again at verification."""

from __future__ import annotations

import pytest

from attacks.models import AttackSubmission, RewriteSession, SubmissionStatus
from attacks.services.sessions import rewrite_session_submit
from gauntlet.errors import DomainError
from gauntlet.workqueue.models import Assignment
from gauntlet.workqueue.services import assignment_claim
from tests.factories import new_contractor
from tests.services import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def _session_with(queue, contractor, completion: str) -> RewriteSession:  # type: ignore[no-untyped-def]
    assignment = assignment_claim(queue=queue, contractor=contractor)
    assert assignment is not None
    from attacks.services.sessions.opening import rewrite_session_open

    session = rewrite_session_open(
        assignment=Assignment.objects.select_related("item", "queue").get(pk=assignment.pk)
    )
    RewriteSession.objects.filter(pk=session.pk).update(current_completion=completion)
    return RewriteSession.objects.get(pk=session.pk)


def _submit_or_code(session: RewriteSession) -> str:
    try:
        rewrite_session_submit(session=session, contractor=session.contractor)
    except DomainError as exc:
        return exc.code
    return "submitted"


def test_another_authors_pending_submission_blocks_the_same_trick(seeded_rewrite_queue, scored_edits) -> None:  # type: ignore[no-untyped-def]
    first = _session_with(seeded_rewrite_queue, new_contractor(), scored_edits["pass_"])
    second = _session_with(seeded_rewrite_queue, new_contractor(), scored_edits["pass_"] + " ")
    assert _submit_or_code(first) == "submitted"
    assert _submit_or_code(second) == "near_duplicate"
    assert AttackSubmission.objects.count() == 1


def test_two_accounts_racing_the_same_text_register_one_attack(seeded_rewrite_queue, scored_edits) -> None:  # type: ignore[no-untyped-def]
    sessions = [
        _session_with(seeded_rewrite_queue, new_contractor(), scored_edits["pass_"]) for _ in range(2)
    ]
    outcomes = run_in_threads([lambda s=s: _submit_or_code(s) for s in sessions])
    assert sorted(outcomes) == ["near_duplicate", "submitted"]
    assert AttackSubmission.objects.filter(status=SubmissionStatus.PENDING).count() == 1


def test_verification_checks_again_and_pays_one_trick_once(  # type: ignore[no-untyped-def]
    rewrite_queue, verification_queue, seed, tiny_version
) -> None:
    """Two near-identical texts both pending (e.g. registered before this check existed): the first
    verified is the adversarial example, the second fails at verification and earns nothing."""
    from attacks.models import AdversarialExample
    from gauntlet.payments.models import LedgerEntry, LedgerKind
    from tests.attacks.test_rejection_downstream import submitted_attack, verify

    authors = [new_contractor(), new_contractor()]
    first, _ = submitted_attack(
        rewrite_queue=rewrite_queue,
        verification_queue=verification_queue,
        seed=seed,
        version=tiny_version,
        author=authors[0],
    )
    second, _ = submitted_attack(
        rewrite_queue=rewrite_queue,
        verification_queue=verification_queue,
        seed=seed,
        version=tiny_version,
        author=authors[1],
    )
    for submission in (first, second):
        verify(verification_queue, submission.verification_item, ["injurious", "injurious"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (SubmissionStatus.VERIFIED, SubmissionStatus.FAILED)
    assert "too close" in second.feedback
    assert AdversarialExample.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.BONUS).count() == 1
