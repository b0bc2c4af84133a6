"""What a verification consensus means for an attack: an adversarial example (and the author's
bonus) or a failed attempt with feedback; and what a manager's rejection (of a verifier's judgment,
or of the rewrite itself) undoes downstream."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from attacks.models import AdversarialExample, AttackSource, AttackSubmission, SubmissionStatus
from attacks.services.near_duplicates import (
    ADVERSARIAL,
    near_duplicate_candidates,
    near_duplicate_find,
    near_duplicate_lock,
)
from gauntlet.accounts.models import User
from gauntlet.common.enqueue import task_send_on_commit
from gauntlet.payments.services import bonus_award_rule, bonus_reverse
from gauntlet.workqueue.models import Assignment, AssignmentStatus, WorkItem
from labeling.models import Consensus, InjuryLabel
from labeling.services.consensus import ADJUDICATED
from ml_worker.reliability.models import EvaluationKind, EvaluationSetMember
from ml_worker.reliability.services.evaluation import heldout_assign


def bonus_reference(adversarial_id: int) -> str:
    """The payments reference of an adversarial example's bonus (paid once per reference)."""
    return f"adversarial_example:{adversarial_id}"


def _verdict(consensus: Consensus) -> tuple[str, str]:
    """The submission's status and the feedback its author sees, from a final consensus."""
    votes = f"{consensus.n_labels} verifiers, agreement {consensus.agreement:.0%}"
    if consensus.method == ADJUDICATED:
        votes = f"{consensus.n_labels} verifiers could not agree; a manager decided"
    if consensus.decided and consensus.label == InjuryLabel.INJURIOUS:
        return SubmissionStatus.VERIFIED, f"Verified injurious ({votes}): it is an adversarial example."
    if consensus.decided and consensus.label == InjuryLabel.NOT_INJURIOUS:
        return SubmissionStatus.FAILED, (
            f"Verifiers judged the rewrite not injurious ({votes}): the classifier passed it because "
            "the injury was lost. An adversarial example must still injure someone."
        )
    return SubmissionStatus.UNDECIDED, (
        f"Verifiers could not agree ({votes}), the most this queue asks; a manager will adjudicate it."
    )


def _lock_submission(item: WorkItem) -> AttackSubmission | None:
    return (
        AttackSubmission.objects.select_for_update(of=("self",))
        .select_related("session__assignment__queue", "classifier_version", "author", "example")
        .filter(example_id=item.payload.get("example_id"))
        .first()
    )


@transaction.atomic
def verification_outcome_record(*, item: WorkItem, consensus: Consensus) -> AttackSubmission | None:
    """Record the verdict of ``item``'s final consensus on the attack behind it (None for an ordinary
    filler example).

    Injurious → an AdversarialExample and, for human rewrites whose rewrite task was not rejected,
    the rewrite queue's bonus to the author through ``payments.bonus_award_rule`` (reference
    ``adversarial_example:<id>``, paid once however often this runs). Not injurious → failed, with
    feedback the author sees. Undecided → undecided. The verdict always follows the latest final
    consensus (a replacement for a rejected verifier, a manager's adjudication): a submission that
    was verified and no longer is loses its adversarial example, and its bonus is taken back by an
    adjustment entry (:func:`adversarial_revoke`). Idempotent: the same consensus writes nothing new.
    """
    submission = _lock_submission(item)
    if submission is None:
        return None
    status, feedback = _verdict(consensus)
    if status == SubmissionStatus.VERIFIED:
        duplicate = _duplicate_of_verified(submission)
        if duplicate is not None:  # the same trick was verified first: one trick, one bonus
            status, feedback = SubmissionStatus.FAILED, f"Verified injurious, but {duplicate}"
    if (submission.status, submission.feedback) != (status, feedback):
        submission.status, submission.feedback, submission.decided_at = status, feedback, timezone.now()
        submission.save(update_fields=["status", "feedback", "decided_at"])
    if status != SubmissionStatus.VERIFIED:
        adversarial_revoke(submission=submission, reason=f"submission {submission.pk} re-judged {status}")
        return submission
    adversarial, created = AdversarialExample.objects.get_or_create(
        submission=submission,
        defaults={
            "example_id": submission.example_id,
            "classifier_version": submission.classifier_version,
            "score": submission.score,
            "session": submission.session,
            "source": submission.source,
            "author": submission.author,
            "round": submission.classifier_version.name,
            "confidence": consensus.confidence,
        },
    )
    if created:
        # A share of verified examples is held out of training: the robustness matrix and version
        # comparisons are measured on those only.
        heldout_assign(example=adversarial.example, source=adversarial.source, round=adversarial.round)
        task_send_on_commit("attacks.tasks.refresh_adversarial_matrix")
    _pay_author_bonus(submission)
    return submission


def _duplicate_of_verified(submission: AttackSubmission) -> str | None:
    """Checked again at verification, under the near-duplicate lock: is this text too close to an
    adversarial example verified before it (e.g. two near-identical texts pending together)? The
    message, or None. A submission already holding its adversarial example keeps it."""
    if AdversarialExample.objects.filter(submission=submission).exists():
        return None
    near_duplicate_lock()
    verified = [
        row
        for row in near_duplicate_candidates(
            author=submission.author, exclude_example_id=submission.example_id
        )
        if row[1] == ADVERSARIAL
    ]
    example = submission.example
    duplicate = near_duplicate_find(
        prompt=example.prompt, completion=example.completion, author=submission.author, candidates=verified
    )
    return None if duplicate is None else duplicate.message()


@transaction.atomic
def verification_escalated(*, item: WorkItem, consensus: Consensus) -> AttackSubmission | None:
    """Verifiers disagreed and the item went to more of them: the author is told (still pending)."""
    submission = _lock_submission(item)
    if submission is None or submission.status != SubmissionStatus.PENDING:
        return submission
    submission.feedback = (
        f"The first {consensus.n_labels} verifiers disagreed; more verifiers are looking at it "
        f"(up to {item.judgments_wanted})."
    )
    submission.save(update_fields=["feedback"])
    return submission


@transaction.atomic
def verification_reopen(*, item: WorkItem) -> AttackSubmission | None:
    """A verifier's judgment on ``item`` was rejected, so the verdict resting on it is open again: the
    submission goes back to pending and its author is told it is being verified again. Its adversarial
    example and bonus stay until the replacement judgment decides (same verdict: nothing changes;
    another: :func:`verification_outcome_record` revokes them). Idempotent."""
    submission = _lock_submission(item)
    if submission is None or submission.status == SubmissionStatus.PENDING:
        return submission
    submission.status = SubmissionStatus.PENDING
    submission.feedback = (
        "A manager set aside one verifier's judgment: your rewrite is being verified again by someone else."
    )
    submission.save(update_fields=["status", "feedback"])
    return submission


def adversarial_revoke(*, submission: AttackSubmission, reason: str, by: User | None = None) -> bool:
    """The submission is no longer an adversarial example: its registry row (and matrix scores) and
    held-out membership go, and its author's bonus is taken back by an adjustment entry (never an
    edit of the bonus row). Returns whether there was anything to revoke. Idempotent."""
    adversarial = AdversarialExample.objects.filter(submission=submission).first()
    if adversarial is None:
        return False
    _reverse_author_bonus(submission, adversarial_id=adversarial.pk, reason=reason, by=by)
    EvaluationSetMember.objects.filter(
        example_id=submission.example_id, evaluation_set__kind=EvaluationKind.ADVERSARIAL
    ).delete()
    adversarial.delete()
    task_send_on_commit("attacks.tasks.refresh_adversarial_matrix")
    return True


@transaction.atomic
def rewrite_rejected(*, assignment: Assignment) -> AttackSubmission | None:
    """A manager rejected a rewrite task: its submission earns no bonus. A bonus already paid is taken
    back by an adjustment entry; a pending one is never paid (:func:`_pay_author_bonus` checks). The
    adversarial example itself stays (verifiers judged the text; the manager judged the work)."""
    submission = (
        AttackSubmission.objects.select_for_update(of=("self",))
        .select_related("session__assignment__queue", "author")
        .filter(session__assignment_id=assignment.pk)
        .first()
    )
    if submission is None:
        return None
    note = f": {assignment.review_note}" if assignment.review_note else ""
    feedback = f"A manager rejected this rewrite{note}. It earns no bonus."
    if feedback not in submission.feedback:
        submission.feedback = f"{submission.feedback} {feedback}".strip()
        submission.save(update_fields=["feedback"])
    adversarial = AdversarialExample.objects.filter(submission=submission).first()
    if adversarial is not None:
        _reverse_author_bonus(
            submission,
            adversarial_id=adversarial.pk,
            reason=f"rewrite assignment {assignment.pk} rejected{note}",
            by=assignment.reviewed_by,
        )
    return submission


def _reverse_author_bonus(
    submission: AttackSubmission, *, adversarial_id: int, reason: str, by: User | None
) -> None:
    if submission.author is None:
        return
    bonus_reverse(
        contractor=submission.author, reference=bonus_reference(adversarial_id), reason=reason, created_by=by
    )


def _pay_author_bonus(submission: AttackSubmission) -> None:
    adversarial = AdversarialExample.objects.filter(submission=submission).first()
    if adversarial is None or submission.author is None or submission.source == AttackSource.PARAPHRASE:
        return
    if submission.session is None or submission.session.assignment.status == AssignmentStatus.REJECTED:
        return  # paraphrases earn nothing; a rejected rewrite loses its bonus
    bonus_award_rule(
        contractor=submission.author,
        queue=submission.session.assignment.queue,
        reference=bonus_reference(adversarial.pk),
        reason=f"verified adversarial example {adversarial.pk} against {adversarial.round}",
    )
