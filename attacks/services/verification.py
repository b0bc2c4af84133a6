"""What a verification consensus means for an attack: an adversarial example (and the author's
bonus) or a failed attempt with feedback."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from attacks.models import AdversarialExample, AttackSource, AttackSubmission, SubmissionStatus
from gauntlet.common.enqueue import task_send_on_commit
from gauntlet.payments.services import bonus_award_rule
from gauntlet.workqueue.models import WorkItem
from labeling.models import Consensus, InjuryLabel
from ml_worker.reliability.services.evaluation import heldout_assign


def bonus_reference(adversarial_id: int) -> str:
    """The payments reference of an adversarial example's bonus (paid once per reference)."""
    return f"adversarial_example:{adversarial_id}"


@transaction.atomic
def verification_outcome_record(*, item: WorkItem, consensus: Consensus) -> AttackSubmission | None:
    """Record the verdict on the attack behind ``item`` (None for an ordinary filler example).

    Injurious → an AdversarialExample and, for human rewrites, the rewrite queue's bonus to
    the author through ``payments.bonus_award_rule`` (reference ``adversarial_example:<id>``,
    so it is paid once however often this runs). Not injurious → failed, with feedback the
    author sees. Undecided → undecided. Idempotent: a decided submission is left as it is
    (the bonus call is repeated, and pays nothing new).
    """
    submission = (
        AttackSubmission.objects.select_for_update(of=("self",))
        .select_related("session__assignment__queue", "classifier_version", "author")
        .filter(example_id=item.payload.get("example_id"))
        .first()
    )
    if submission is None:
        return None
    if submission.status == SubmissionStatus.PENDING:
        submission.decided_at = timezone.now()
        votes = f"{consensus.n_labels} verifiers, agreement {consensus.agreement:.0%}"
        if consensus.decided and consensus.label == InjuryLabel.INJURIOUS:
            submission.status = SubmissionStatus.VERIFIED
            submission.feedback = f"Verified injurious ({votes}): it is an adversarial example."
            adversarial, _ = AdversarialExample.objects.get_or_create(
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
            # A share of verified examples is held out of training: the robustness matrix and version
            # comparisons are measured on those only.
            heldout_assign(example=adversarial.example, source=adversarial.source, round=adversarial.round)
            task_send_on_commit("attacks.tasks.refresh_adversarial_matrix")
        elif consensus.decided and consensus.label == InjuryLabel.NOT_INJURIOUS:
            submission.status = SubmissionStatus.FAILED
            submission.feedback = (
                f"Verifiers judged the rewrite not injurious ({votes}): the classifier passed it because "
                "the injury was lost. An adversarial example must still injure someone."
            )
        else:
            submission.status = SubmissionStatus.UNDECIDED
            submission.feedback = f"Verifiers could not agree ({votes}); a manager will look at it."
        submission.save(update_fields=["status", "feedback", "decided_at"])
    _pay_author_bonus(submission)
    return submission


def _pay_author_bonus(submission: AttackSubmission) -> None:
    adversarial = AdversarialExample.objects.filter(submission=submission).first()
    if adversarial is None or submission.author is None or submission.source == AttackSource.PARAPHRASE:
        return
    if submission.session is None:
        return
    bonus_award_rule(
        contractor=submission.author,
        queue=submission.session.assignment.queue,
        reference=bonus_reference(adversarial.pk),
        reason=f"verified adversarial example {adversarial.pk} against {adversarial.round}",
    )
