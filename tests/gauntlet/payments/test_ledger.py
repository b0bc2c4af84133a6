"""Writing money: pay on review (once), rejected work, bonuses, adjustments, append-only guarantees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from gauntlet.errors import Conflict, DomainError, Invalid
from gauntlet.payments.models import LedgerEntry, LedgerKind
from gauntlet.payments.services import (
    adjustment_create,
    assignment_pay_rejected,
    bonus_award_rule,
    bonus_grant,
    payment_for_review,
)
from gauntlet.workqueue.exceptions import AssignmentConflict
from gauntlet.workqueue.models import AssignmentStatus
from gauntlet.workqueue.services import assignment_review, assignments_review_bulk

pytestmark = pytest.mark.django_db


def test_approval_pays_once_with_who_approved_and_why(queue_factory, work, contractor, manager) -> None:
    assignment = work(queue_factory(pay_per_task=Decimal("0.40")), contractor)
    assignment_review(assignment=assignment, approved=True, reviewer=manager, note="good work")
    entry = LedgerEntry.objects.get(contractor=contractor)
    assert entry.amount == Decimal("0.4000")
    assert entry.created_by == manager
    assert manager.email in entry.reason and "good work" in entry.reason
    assert entry.queue_id == assignment.queue_id


def test_retried_approvals_and_listener_reruns_never_pay_twice(
    queue_factory, work, contractor, manager
) -> None:
    queue = queue_factory()
    assignment = work(queue, contractor)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)  # retried request
    assignments_review_bulk(assignment_ids=[assignment.pk], approved=True, reviewer=manager)
    assignment.refresh_from_db()
    first = payment_for_review(assignment)  # the engine re-running its listeners
    assert payment_for_review(assignment) == first
    assert LedgerEntry.objects.filter(assignment=assignment).count() == 1


def test_changing_the_pay_mode_after_payment_does_not_pay_again(
    queue_factory, work, contractor, manager
) -> None:
    queue = queue_factory()
    assignment = work(queue, contractor, active_seconds=600)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    queue.pay_mode, queue.hourly_rate = "hourly", Decimal("30.00")
    queue.save()
    assignment.refresh_from_db()
    payment_for_review(assignment)
    assert list(LedgerEntry.objects.filter(assignment=assignment).values_list("kind", flat=True)) == [
        "task_pay"
    ]


def test_the_database_refuses_a_second_pay_entry_for_an_assignment(
    queue_factory, work, contractor, manager
) -> None:
    assignment = work(queue_factory(), contractor)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            contractor=contractor,
            kind=LedgerKind.HOURLY_PAY,
            amount=Decimal("1"),
            currency="USD",
            assignment=assignment,
        )


def test_rejected_work_is_unpaid(queue_factory, work, contractor, manager) -> None:
    assignment = work(queue_factory(), contractor)
    assignment_review(assignment=assignment, approved=False, reviewer=manager, note="spam")
    assert not LedgerEntry.objects.exists()


def test_manager_can_pay_rejected_work_once_with_a_reason(queue_factory, work, contractor, manager) -> None:
    assignment = work(queue_factory(pay_per_task=Decimal("0.10")), contractor)
    assignment_review(assignment=assignment, approved=False, reviewer=manager)
    entry = assignment_pay_rejected(assignment=assignment, by=manager, reason="instructions were unclear")
    again = assignment_pay_rejected(assignment=assignment, by=manager, reason="clicked twice")
    assert entry is not None and again == entry
    assert entry.amount == Decimal("0.1000") and entry.created_by == manager
    assert "instructions were unclear" in entry.reason
    assert LedgerEntry.objects.count() == 1


def test_paying_anyway_needs_a_rejected_assignment_and_a_reason(
    queue_factory, work, contractor, manager
) -> None:
    assignment = work(queue_factory(), contractor)
    with pytest.raises(Conflict):
        assignment_pay_rejected(assignment=assignment, by=manager, reason="why not")
    assignment_review(assignment=assignment, approved=False, reviewer=manager)
    with pytest.raises(Invalid) as no_reason:
        assignment_pay_rejected(assignment=assignment, by=manager, reason="  ")
    assert no_reason.value.code == "reason_required"
    assert not LedgerEntry.objects.exists()


def test_a_decided_review_cannot_be_flipped_to_pay(queue_factory, work, contractor, manager) -> None:
    assignment = work(queue_factory(), contractor)
    assignment_review(assignment=assignment, approved=False, reviewer=manager)
    with pytest.raises(AssignmentConflict):
        assignment_review(assignment=assignment, approved=True, reviewer=None)
    assert not LedgerEntry.objects.exists()
    assert assignment.__class__.objects.get(pk=assignment.pk).status == AssignmentStatus.REJECTED


def test_rule_based_bonus_pays_the_queue_bonus_once_per_reference(queue_factory, contractor) -> None:
    queue = queue_factory(bonus_amount=Decimal("2.50"))
    first = bonus_award_rule(
        contractor=contractor, queue=queue, reference="adversarial_example:42", reason="verified"
    )
    second = bonus_award_rule(
        contractor=contractor, queue=queue, reference="adversarial_example:42", reason="again"
    )
    other = bonus_award_rule(
        contractor=contractor, queue=queue, reference="adversarial_example:43", reason="verified"
    )
    assert first == second != other
    assert first is not None and first.amount == Decimal("2.5000") and first.created_by is None
    assert LedgerEntry.objects.filter(kind=LedgerKind.BONUS).count() == 2


def test_rule_based_bonus_on_a_queue_without_bonus_pays_nothing(queue_factory, contractor) -> None:
    queue = queue_factory(bonus_amount=Decimal("0"))
    assert (
        bonus_award_rule(contractor=contractor, queue=queue, reference="adversarial_example:1", reason="x")
        is None
    )
    assert not LedgerEntry.objects.exists()


def test_manual_bonus_records_who_and_why_and_a_reference_makes_it_idempotent(contractor, manager) -> None:
    entry = bonus_grant(
        contractor=contractor,
        amount=Decimal("5"),
        reason="great week",
        created_by=manager,
        reference="week-12",
    )
    retry = bonus_grant(
        contractor=contractor,
        amount=Decimal("5"),
        reason="great week",
        created_by=manager,
        reference="week-12",
    )
    assert retry == entry and (entry.created_by, entry.reason) == (manager, "great week")
    with pytest.raises(Conflict):
        bonus_grant(
            contractor=contractor, amount=Decimal("6"), reason="x", created_by=manager, reference="week-12"
        )
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("NaN"), Decimal("1e9")])
def test_bonus_amount_must_be_positive_and_sane(contractor, manager, amount: Decimal) -> None:
    with pytest.raises(DomainError):
        bonus_grant(contractor=contractor, amount=amount, reason="x", created_by=manager)
    assert not LedgerEntry.objects.exists()


def test_managers_are_not_paid(manager) -> None:
    with pytest.raises(DomainError) as exc:
        bonus_grant(contractor=manager, amount=Decimal("1"), reason="x", created_by=manager)
    assert exc.value.code == "not_a_contractor"


def test_corrections_are_new_adjustment_entries(queue_factory, work, contractor, manager) -> None:
    assignment = work(queue_factory(pay_per_task=Decimal("1.00")), contractor)
    assignment_review(assignment=assignment, approved=True, reviewer=manager)
    pay = LedgerEntry.objects.get(kind=LedgerKind.TASK_PAY)
    adjustment_create(
        contractor=contractor,
        amount=Decimal("-0.25"),
        reason="overpaid",
        created_by=manager,
        assignment=assignment,
    )
    adjustment_create(
        contractor=contractor,
        amount=Decimal("0.05"),
        reason="rounding",
        created_by=manager,
        assignment=assignment,
    )
    pay.refresh_from_db()
    assert pay.amount == Decimal("1.0000")  # the original entry is untouched
    total = sum(LedgerEntry.objects.filter(contractor=contractor).values_list("amount", flat=True))
    assert total == Decimal("0.8000")


def test_adjustment_must_be_nonzero_and_match_the_assignments_contractor(
    queue_factory, work, contractor, other_contractor, manager
) -> None:
    assignment = work(queue_factory(), contractor)
    with pytest.raises(DomainError):
        adjustment_create(contractor=contractor, amount=Decimal("0"), reason="x", created_by=manager)
    with pytest.raises(DomainError) as mismatch:
        adjustment_create(
            contractor=other_contractor,
            amount=Decimal("1"),
            reason="x",
            created_by=manager,
            assignment=assignment,
        )
    assert mismatch.value.code == "assignment_mismatch"
    assert not LedgerEntry.objects.exists()
