"""What an assignment earns: the pay rules, in one place.

- ``per_task`` queues pay ``queue.pay_per_task``.
- ``hourly`` queues pay ``rate × min(active_seconds, max_minutes_per_task × 60) / 3600``
  where ``rate`` is the queue's ``hourly_rate`` or, when the queue has none, the
  contractor's own ``ContractorProfile.hourly_rate`` (in the profile's currency).
- Amounts are quantised to 0.0001 (the ledger's precision) with ROUND_HALF_UP,
  computed in Decimal from the stored Decimal rates; no float ever touches money.

The rule is fixed when the task is claimed: the claim's INSERT copies it onto the assignment
(``Assignment.pay_mode``, ``pay_amount``, ``pay_currency``, ``pay_max_minutes``; an hourly
queue without a rate copies the contractor's own rate and currency), and pay is computed from
that copy, so editing the queue (or the contractor's rate) never re-prices claimed work.
Assignments claimed before the copy existed are paid by the queue's current rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment, PayMode, Queue

from .models import LedgerKind

CENT_FRACTION = Decimal("0.0001")
SECONDS_PER_HOUR = Decimal(3600)


def quantize(amount: Decimal) -> Decimal:
    """The ledger's rounding: 4 decimal places, half up."""
    return amount.quantize(CENT_FRACTION, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Pay:
    kind: LedgerKind
    amount: Decimal
    currency: str
    paid_seconds: int  # hourly: the active seconds paid for (after the cap); per task: 0


@dataclass(frozen=True)
class PayRule:
    """How one task is paid: per task ``amount``, or ``amount`` per active hour up to
    ``max_minutes`` a task, in ``currency``."""

    mode: str
    amount: Decimal
    currency: str
    max_minutes: int


def hourly_rate_for(*, queue: Queue, contractor: User) -> tuple[Decimal, str]:
    """The hourly rate and its currency for this contractor on this queue."""
    if queue.hourly_rate is not None:
        return Decimal(queue.hourly_rate), queue.currency
    profile = getattr(contractor, "contractor_profile", None)
    if profile is None:
        return Decimal(0), queue.currency
    return Decimal(profile.hourly_rate), profile.currency


def queue_pay_rule(*, queue: Queue, contractor: User) -> PayRule:
    """The queue's pay rule for this contractor as it stands now (what a claim now would copy)."""
    if queue.pay_mode == PayMode.HOURLY:
        rate, currency = hourly_rate_for(queue=queue, contractor=contractor)
        return PayRule(PayMode.HOURLY, rate, currency, int(queue.max_minutes_per_task))
    return PayRule(PayMode.PER_TASK, Decimal(queue.pay_per_task), queue.currency, 0)


def assignment_pay_rule(assignment: Assignment) -> PayRule:
    """The rule the assignment was claimed under (its snapshot), or the queue's current one for
    an assignment claimed before snapshots existed."""
    if not assignment.pay_mode or assignment.pay_amount is None:
        return queue_pay_rule(queue=assignment.queue, contractor=assignment.contractor)
    return PayRule(
        assignment.pay_mode,
        Decimal(assignment.pay_amount),
        assignment.pay_currency or assignment.queue.currency,
        int(assignment.pay_max_minutes or 0),
    )


def paid_seconds(*, rule: PayRule, active_seconds: int) -> int:
    return max(0, min(int(active_seconds), rule.max_minutes * 60))


def pay_for(*, rule: PayRule, active_seconds: int) -> Pay:
    """What one accepted judgment earns under ``rule``."""
    if rule.mode == PayMode.HOURLY:
        seconds = paid_seconds(rule=rule, active_seconds=active_seconds)
        amount = quantize(rule.amount * Decimal(seconds) / SECONDS_PER_HOUR)
        return Pay(LedgerKind.HOURLY_PAY, amount, rule.currency, seconds)
    return Pay(LedgerKind.TASK_PAY, quantize(rule.amount), rule.currency, 0)


def pay_for_assignment(assignment: Assignment) -> Pay:
    """What the assignment earns under the rule it was claimed under."""
    return pay_for(rule=assignment_pay_rule(assignment), active_seconds=assignment.active_seconds)
