"""Rejections flow downstream for attacks (issue 12, item 6): a rejected rewrite loses its bonus, a
bonus resting on a rejected verifier's vote is decided again, and the ledger says what happened with
adjustment entries (never an edit of an old row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from attacks.models import (
    AdversarialExample,
    AttackSource,
    AttackSubmission,
    Condition,
    RewriteSession,
    SessionStatus,
    SubmissionStatus,
)
from gauntlet.accounts.models import User
from gauntlet.payments.models import LedgerEntry, LedgerKind
from gauntlet.workqueue.models import Assignment, Queue, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_review, assignment_submit, items_add
from labeling.models import Example
from labeling.services.examples import example_create
from ml_worker.models import ClassifierVersion
from tests.factories import new_contractor, new_manager

pytestmark = pytest.mark.django_db


def submitted_attack(
    *,
    rewrite_queue: Queue,
    verification_queue: Queue,
    seed: Example,
    version: ClassifierVersion,
    author: User,
) -> tuple[AttackSubmission, Assignment]:
    """A rewrite that passed the classifier and waits on the verification queue, made through the
    engine's claim and submit (the score is given, not computed: these tests are about money)."""
    items_add(queue=rewrite_queue, items=[{"payload": {"example_id": seed.pk}}])
    assignment = assignment_claim(queue=rewrite_queue, contractor=author)
    assert assignment is not None
    example = example_create(
        prompt=seed.prompt,
        completion="anna tickled the dog until it broke a leg .",
        source="tool_assisted",
        parent=seed,
        author=author,
        batch=f"attacks:test:{assignment.pk}",
    )
    # The claim opened the session; it ends submitted with the rewrite as its result.
    session, _ = RewriteSession.objects.get_or_create(
        assignment=assignment,
        defaults={
            "contractor": author,
            "seed": seed,
            "classifier_version": version,
            "threshold": version.threshold,
            "condition": Condition.TOOL_ASSISTED,
            "current_prompt": seed.prompt,
            "current_completion": seed.completion,
            "current_score": 0.9,
        },
    )
    RewriteSession.objects.filter(pk=session.pk).update(
        current_prompt=example.prompt,
        current_completion=example.completion,
        current_score=0.1,
        status=SessionStatus.SUBMITTED,
        ended_at=timezone.now(),
        result=example,
    )
    (item,) = items_add(queue=verification_queue, items=[{"payload": {"example_id": example.pk}}])
    submission = AttackSubmission.objects.create(
        example=example,
        source=AttackSource.TOOL_ASSISTED,
        author=author,
        session=session,
        classifier_version=version,
        score=0.1,
        threshold=version.threshold,
        verification_item=item,
    )
    assignment_submit(assignment=assignment, contractor=author, data={"session_id": session.pk})
    return submission, Assignment.objects.get(pk=assignment.pk)


def verify(queue: Queue, item: WorkItem, labels: list[str]) -> list[Assignment]:
    done = []
    for label in labels:
        verifier = new_contractor()
        assignment = assignment_claim(queue=queue, contractor=verifier)
        assert assignment is not None and assignment.item_id == item.pk
        done.append(assignment_submit(assignment=assignment, contractor=verifier, data={"label": label}))
    return done


def bonus_total(author: User) -> Decimal:
    bonus = LedgerEntry.objects.filter(contractor=author, kind__in=[LedgerKind.BONUS, LedgerKind.ADJUSTMENT])
    return bonus.aggregate(s=Sum("amount"))["s"] or Decimal(0)


@pytest.fixture
def attack(rewrite_queue, verification_queue, seed, tiny_version, rewriter):  # type: ignore[no-untyped-def]
    verification_queue.overlap = 3
    verification_queue.save(update_fields=["overlap"])
    submission, assignment = submitted_attack(
        rewrite_queue=rewrite_queue,
        verification_queue=verification_queue,
        seed=seed,
        version=tiny_version,
        author=rewriter,
    )
    return submission, assignment, verification_queue


def test_a_rejected_rewrite_loses_its_bonus_by_an_adjustment(attack, rewriter) -> None:  # type: ignore[no-untyped-def]
    submission, rewrite_assignment, verification_queue = attack
    verify(verification_queue, submission.verification_item, ["injurious"] * 3)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.VERIFIED
    assert bonus_total(rewriter) == Decimal("2.00")
    bonus = LedgerEntry.objects.get(contractor=rewriter, kind=LedgerKind.BONUS)

    assignment_review(assignment=rewrite_assignment, approved=False, reviewer=new_manager(), note="copied")
    assert bonus_total(rewriter) == Decimal("0")
    reversal = LedgerEntry.objects.get(contractor=rewriter, kind=LedgerKind.ADJUSTMENT)
    assert reversal.amount == -bonus.amount
    assert "rejected" in reversal.reason
    assert LedgerEntry.objects.get(pk=bonus.pk).amount == bonus.amount  # the old row is untouched
    # A retried rejection writes nothing new.
    assignment_review(assignment=rewrite_assignment, approved=False, reviewer=new_manager(), note="copied")
    assert LedgerEntry.objects.filter(contractor=rewriter).count() == 2


def test_a_rewrite_rejected_while_pending_earns_no_bonus_when_verified(attack, rewriter) -> None:  # type: ignore[no-untyped-def]
    submission, rewrite_assignment, verification_queue = attack
    assignment_review(assignment=rewrite_assignment, approved=False, reviewer=new_manager(), note="copied")
    verify(verification_queue, submission.verification_item, ["injurious"] * 3)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.VERIFIED  # still an adversarial example, but unpaid
    assert not LedgerEntry.objects.filter(contractor=rewriter).exists()


def test_a_bonus_resting_on_a_rejected_verifier_is_decided_again(attack, rewriter) -> None:  # type: ignore[no-untyped-def]
    submission, _, verification_queue = attack
    item = submission.verification_item
    votes = verify(verification_queue, item, ["injurious", "injurious", "not_injurious"])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.VERIFIED
    assert bonus_total(rewriter) == Decimal("2.00")

    # The first injurious verifier clicked at random: their vote is rejected.
    assignment_review(assignment=votes[0], approved=False, reviewer=new_manager(), note="random clicks")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PENDING  # the author sees it is being verified again
    assert "again" in submission.feedback

    # The replacement verifier says not injurious: 2 of 3 counted votes say the injury was lost.
    verify(verification_queue, item, ["not_injurious"])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FAILED
    assert not AdversarialExample.objects.filter(submission=submission).exists()
    assert bonus_total(rewriter) == Decimal("0")  # the bonus reversed by an adjustment entry
    kinds = sorted(LedgerEntry.objects.filter(contractor=rewriter).values_list("kind", "amount"))
    assert kinds == [(LedgerKind.ADJUSTMENT, Decimal("-2.0000")), (LedgerKind.BONUS, Decimal("2.0000"))]


def test_a_rejected_verifier_whose_vote_did_not_matter_keeps_the_bonus_once(attack, rewriter) -> None:  # type: ignore[no-untyped-def]
    submission, _, verification_queue = attack
    item = submission.verification_item
    votes = verify(verification_queue, item, ["injurious", "injurious", "injurious"])
    assignment_review(assignment=votes[0], approved=False, reviewer=new_manager(), note="random clicks")
    verify(verification_queue, item, ["injurious"])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.VERIFIED
    assert AdversarialExample.objects.filter(submission=submission).count() == 1
    assert list(LedgerEntry.objects.filter(contractor=rewriter).values_list("kind", "amount")) == [
        (LedgerKind.BONUS, Decimal("2.0000"))
    ]
