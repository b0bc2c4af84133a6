"""Every write to the ledger and to payout batches goes through these functions.

Split by subdomain: :mod:`.ledger` (pay on review, bonuses, adjustments),
:mod:`.payouts` (closing periods, exports, recording payment) and
:mod:`.auto_approve` (MTurk-style approval after a delay).
"""

from .auto_approve import assignments_auto_approve_due
from .ledger import (
    adjustment_create,
    assignment_pay_rejected,
    bonus_award_rule,
    bonus_grant,
    bonus_reverse,
    pay_on_review,
    payment_for_review,
)
from .payouts import payout_batch_close, payout_batch_export, payout_batch_mark_paid

__all__ = [
    "adjustment_create",
    "assignment_pay_rejected",
    "assignments_auto_approve_due",
    "bonus_award_rule",
    "bonus_grant",
    "bonus_reverse",
    "pay_on_review",
    "payment_for_review",
    "payout_batch_close",
    "payout_batch_export",
    "payout_batch_mark_paid",
]
