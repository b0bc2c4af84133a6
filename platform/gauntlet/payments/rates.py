"""What an assignment earns: the pay rules, in one place.

- ``per_task`` queues pay ``queue.pay_per_task``.
- ``hourly`` queues pay ``rate × min(active_seconds, max_minutes_per_task × 60) / 3600``
  where ``rate`` is the queue's ``hourly_rate`` or, when the queue has none, the
  contractor's own ``ContractorProfile.hourly_rate`` (in the profile's currency).
- Amounts are quantised to 0.0001 (the ledger's precision) with ROUND_HALF_UP,
  computed in Decimal from the stored Decimal rates; no float ever touches money.
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


def hourly_rate_for(*, queue: Queue, contractor: User) -> tuple[Decimal, str]:
    """The hourly rate and its currency for this contractor on this queue."""
    if queue.hourly_rate is not None:
        return Decimal(queue.hourly_rate), queue.currency
    profile = getattr(contractor, "contractor_profile", None)
    if profile is None:
        return Decimal(0), queue.currency
    return Decimal(profile.hourly_rate), profile.currency


def paid_seconds(*, queue: Queue, active_seconds: int) -> int:
    return max(0, min(int(active_seconds), int(queue.max_minutes_per_task) * 60))


def pay_for(*, queue: Queue, contractor: User, active_seconds: int) -> Pay:
    """What one accepted judgment earns under the queue's current pay rule."""
    if queue.pay_mode == PayMode.HOURLY:
        rate, currency = hourly_rate_for(queue=queue, contractor=contractor)
        seconds = paid_seconds(queue=queue, active_seconds=active_seconds)
        amount = quantize(rate * Decimal(seconds) / SECONDS_PER_HOUR)
        return Pay(LedgerKind.HOURLY_PAY, amount, currency, seconds)
    return Pay(LedgerKind.TASK_PAY, quantize(Decimal(queue.pay_per_task)), queue.currency, 0)


def pay_for_assignment(assignment: Assignment) -> Pay:
    return pay_for(
        queue=assignment.queue, contractor=assignment.contractor, active_seconds=assignment.active_seconds
    )
