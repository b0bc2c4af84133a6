"""Writing money into the ledger: pay on review, bonuses, adjustments.

Every function here only ever INSERTs. Idempotency comes from the database's
unique constraints (one pay entry per assignment; one entry per contractor,
kind and reference): a second attempt, concurrent or retried, hits the
constraint inside a savepoint and returns the entry that is already there.
Under PostgreSQL's READ COMMITTED a racing insert waits for the first
transaction; if that commits the loser sees its row, if it rolls back the
loser's insert goes through. Either way exactly one entry exists.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from gauntlet.accounts.models import User
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue

from ..models import PAY_KINDS, LedgerEntry, LedgerKind
from ..rates import pay_for_assignment, quantize

MAX_ABS_AMOUNT = Decimal("100000000")  # Decimal(12, 4) holds < 10^8


def _insert_once(entry: LedgerEntry, **lookup: Any) -> tuple[LedgerEntry, bool]:
    """Insert ``entry`` unless the unique key ``lookup`` already has one; return (entry, created)."""
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a conflict
            entry.save(force_insert=True)
        return entry, True
    except IntegrityError:
        existing = LedgerEntry.objects.filter(**lookup).first()
        if existing is None:  # not a uniqueness conflict: a real bug, let it surface
            raise
        return existing, False


def _check_amount(amount: Decimal, *, positive: bool) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise Invalid(
            "invalid_amount",
            "The amount must be a finite decimal number.",
            fields={"amount": ["Not a decimal."]},
        )
    amount = quantize(amount)
    if amount == 0 or (positive and amount < 0):
        message = "The amount must be greater than zero." if positive else "The amount must not be zero."
        raise Invalid("invalid_amount", message, fields={"amount": [message]})
    if abs(amount) >= MAX_ABS_AMOUNT:
        raise Invalid("invalid_amount", "The amount is too large.", fields={"amount": ["Too large."]})
    return amount


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", "Say why this money moves.", fields={"reason": ["Required."]})
    return reason


def _check_contractor(contractor: User) -> None:
    if not contractor.is_contractor:
        raise Invalid(
            "not_a_contractor", "Only contractors are paid.", fields={"contractor": ["Not a contractor."]}
        )


def _default_currency(*, contractor: User, queue: Queue | None) -> str:
    if queue is not None:
        return queue.currency
    profile = getattr(contractor, "contractor_profile", None)
    return profile.currency if profile is not None else "USD"


def _pay_assignment(*, assignment: Assignment, created_by: User | None, reason: str) -> LedgerEntry | None:
    """Write the assignment's one pay entry (task or hourly) unless it exists; None if it earns nothing."""
    existing = LedgerEntry.objects.filter(assignment=assignment, kind__in=PAY_KINDS).first()
    if existing is not None:
        return existing
    pay = pay_for_assignment(assignment)
    if pay.amount <= 0:
        return None  # a zero-rate queue: nothing to record (the ledger holds no zero entries)
    entry = LedgerEntry(
        contractor_id=assignment.contractor_id,
        kind=pay.kind,
        amount=pay.amount,
        currency=pay.currency,
        assignment=assignment,
        queue_id=assignment.queue_id,
        reason=reason,
        created_by=created_by,
    )
    entry, _ = _insert_once(entry, assignment=assignment, kind__in=PAY_KINDS)
    return entry


@transaction.atomic
def payment_for_review(assignment: Assignment) -> LedgerEntry | None:
    """Review listener (registered in ``PaymentsConfig.ready``): pay approved work once.

    Approved → one task-pay or hourly-pay entry, written by the reviewer (None
    for auto-approval). Rejected → nothing (see :func:`assignment_pay_rejected`).
    Idempotent: the engine may call it again for a retried review; the unique
    pay-per-assignment constraint makes every later call return the first entry.
    """
    if assignment.status != AssignmentStatus.APPROVED:
        return None
    who = assignment.reviewed_by.email if assignment.reviewed_by else "auto-approval"
    reason = f"assignment {assignment.pk} approved ({who})"
    if assignment.review_note:
        reason += f": {assignment.review_note}"
    return _pay_assignment(assignment=assignment, created_by=assignment.reviewed_by, reason=reason)


def pay_on_review(assignment: Assignment) -> None:
    """The work-queue review listener: :func:`payment_for_review`, result discarded."""
    payment_for_review(assignment)


@transaction.atomic
def assignment_pay_rejected(*, assignment: Assignment, by: User, reason: str) -> LedgerEntry | None:
    """A manager chose to pay rejected work anyway: its normal pay, once, with the manager's reason.

    Idempotent: the assignment's single pay entry is shared with approval, so
    paying a rejected assignment twice (or approving it later) pays once.
    """
    reason = _check_reason(reason)
    assignment = (
        Assignment.objects.select_for_update().select_related("queue", "contractor").get(pk=assignment.pk)
    )
    if assignment.status != AssignmentStatus.REJECTED:
        raise Conflict(
            "not_rejected",
            f"Assignment {assignment.pk} is {assignment.status}; only rejected work can be paid anyway.",
        )
    return _pay_assignment(
        assignment=assignment, created_by=by, reason=f"paid despite rejection by {by.email}: {reason}"
    )


def _reference_entry(*, entry: LedgerEntry, reference: str) -> LedgerEntry:
    """Insert a referenced entry once; a reused reference must describe the same money."""
    stored, created = _insert_once(
        entry, contractor_id=entry.contractor_id, kind=entry.kind, reference=reference
    )
    if not created and (stored.amount != entry.amount or stored.currency != entry.currency):
        raise Conflict(
            "reference_reused",
            f"Reference {reference!r} was already used for {stored.amount} {stored.currency}.",
            fields={"reference": ["Already used for a different amount."]},
        )
    return stored


@transaction.atomic
def bonus_grant(
    *,
    contractor: User,
    amount: Decimal,
    reason: str,
    created_by: User,
    queue: Queue | None = None,
    reference: str | None = None,
    currency: str | None = None,
) -> LedgerEntry:
    """A manager's manual bonus. With ``reference`` it is idempotent (a retried request pays once)."""
    _check_contractor(contractor)
    entry = LedgerEntry(
        contractor=contractor,
        kind=LedgerKind.BONUS,
        amount=_check_amount(amount, positive=True),
        currency=(currency or _default_currency(contractor=contractor, queue=queue)).upper(),
        queue=queue,
        reference=(reference or "").strip(),
        reason=_check_reason(reason),
        created_by=created_by,
    )
    if entry.reference:
        return _reference_entry(entry=entry, reference=entry.reference)
    entry.save(force_insert=True)
    return entry


@transaction.atomic
def bonus_award_rule(*, contractor: User, queue: Queue, reference: str, reason: str) -> LedgerEntry | None:
    """Rule-based bonus hook (e.g. attacks: a verified adversarial example earns its author
    ``queue.bonus_amount``). Pays once per (contractor, reference) however often it is called;
    returns None when the queue pays no bonus."""
    reference = reference.strip()
    if not reference:
        raise ValueError("a rule-based bonus needs a reference (its idempotency key)")
    if queue.bonus_amount <= 0:
        return None
    entry = LedgerEntry(
        contractor=contractor,
        kind=LedgerKind.BONUS,
        amount=quantize(Decimal(queue.bonus_amount)),
        currency=queue.currency,
        queue=queue,
        reference=reference,
        reason=_check_reason(reason),
        created_by=None,
    )
    stored, _ = _insert_once(entry, contractor=contractor, kind=LedgerKind.BONUS, reference=reference)
    return stored


@transaction.atomic
def adjustment_create(
    *,
    contractor: User,
    amount: Decimal,
    reason: str,
    created_by: User,
    currency: str | None = None,
    queue: Queue | None = None,
    assignment: Assignment | None = None,
    reference: str | None = None,
) -> LedgerEntry:
    """A correction: a new entry (positive or negative), never an edit of an old one.

    With ``reference`` a retried request writes nothing new.
    """
    _check_contractor(contractor)
    if assignment is not None:
        if assignment.contractor_id != contractor.pk:
            raise Invalid(
                "assignment_mismatch",
                "That assignment belongs to another contractor.",
                fields={"assignment": ["Belongs to another contractor."]},
            )
        queue = assignment.queue
    entry = LedgerEntry(
        contractor=contractor,
        kind=LedgerKind.ADJUSTMENT,
        amount=_check_amount(amount, positive=False),
        currency=(currency or _default_currency(contractor=contractor, queue=queue)).upper(),
        queue=queue,
        assignment=assignment,
        reference=(reference or "").strip(),
        reason=_check_reason(reason),
        created_by=created_by,
    )
    if entry.reference:
        return _reference_entry(entry=entry, reference=entry.reference)
    entry.save(force_insert=True)
    return entry


def reversal_reference(reference: str) -> str:
    """The reference of the adjustment that takes back the entry with ``reference`` (once)."""
    return f"reversal:{reference}"[:200]


@transaction.atomic
def bonus_reverse(
    *, contractor: User, reference: str, reason: str, created_by: User | None = None
) -> LedgerEntry | None:
    """Take back a rule-based bonus (e.g. its adversarial example was rejected or re-judged):
    a new negative ``adjustment`` of the bonus's amount, never an edit of the bonus row.

    Returns the adjustment, or None when no bonus with ``reference`` was paid. Idempotent: the
    adjustment's reference is ``reversal:<reference>``, unique per contractor and kind, so a
    retried or repeated reversal writes nothing new. ``created_by`` None means the system.
    """
    bonus = LedgerEntry.objects.filter(
        contractor=contractor, kind=LedgerKind.BONUS, reference=reference.strip()
    ).first()
    if bonus is None:
        return None
    adjustment_reference = reversal_reference(bonus.reference)
    entry = LedgerEntry(
        contractor=contractor,
        kind=LedgerKind.ADJUSTMENT,
        amount=-bonus.amount,
        currency=bonus.currency,
        queue_id=bonus.queue_id,
        reference=adjustment_reference,
        reason=_check_reason(f"{reason} (reverses bonus entry {bonus.pk}, {bonus.reference})"),
        created_by=created_by,
    )
    stored, _ = _insert_once(
        entry, contractor=contractor, kind=LedgerKind.ADJUSTMENT, reference=adjustment_reference
    )
    return stored
