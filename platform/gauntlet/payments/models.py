"""The money: an append-only ledger and the payout batches that freeze it.

Nothing here is ever updated or deleted by the application:

- A :class:`LedgerEntry` is written once. A correction is a new ``adjustment``
  entry, never an edit. The database refuses a second pay entry for the same
  assignment and a second entry for the same (contractor, kind, reference),
  so a retried approval or a rule-based bonus hook called twice pays once.
- A :class:`PayoutBatch` freezes entries by adding :class:`PayoutLine` rows
  (one per entry, unique on the entry), so freezing never touches an entry.
  Only the batch's own "paid" fields are set, once, when a manager records
  the payment.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from gauntlet.common.money import MoneyField
from gauntlet.workqueue.models import Assignment, Queue


class LedgerKind(models.TextChoices):
    TASK_PAY = "task_pay", "Task pay"
    HOURLY_PAY = "hourly_pay", "Hourly pay"
    BONUS = "bonus", "Bonus"
    ADJUSTMENT = "adjustment", "Adjustment"


PAY_KINDS = (LedgerKind.TASK_PAY, LedgerKind.HOURLY_PAY)


class LedgerEntry(models.Model):
    contractor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    amount = MoneyField(max_digits=12, decimal_places=4, help_text="Negative for deductions.")
    currency = models.CharField(max_length=3)
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    queue = models.ForeignKey(
        Queue,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        help_text="Whose cost this is (per-queue cost reports).",
    )
    reference = models.CharField(
        max_length=200,
        blank=True,
        help_text="Source reference and idempotency key, e.g. 'adversarial_example:42'. "
        "Unique per contractor and kind when set.",
    )
    reason = models.TextField(blank=True, help_text="Why this money moved (audit).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who moved the money; empty means the system (auto-approval, rule-based bonus).",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "ledger entries"
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["contractor", "created_at"], name="ledger_contractor_time"),
            models.Index(fields=["queue", "kind"], name="ledger_queue_kind"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # Whatever the queue's pay mode was at the time: one pay entry per assignment.
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(kind__in=["task_pay", "hourly_pay"]),
                name="ledger_one_pay_per_assignment",
            ),
            # Corrections (adjustments) may be several; anything else once per assignment and kind.
            models.UniqueConstraint(
                fields=["assignment", "kind"],
                condition=Q(assignment__isnull=False) & ~Q(kind="adjustment"),
                name="ledger_unique_assignment_kind",
            ),
            models.UniqueConstraint(
                fields=["contractor", "kind", "reference"],
                condition=~Q(reference=""),
                name="ledger_unique_reference",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=["task_pay", "hourly_pay"]) | Q(assignment__isnull=False),
                name="ledger_pay_has_assignment",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["task_pay", "hourly_pay"]) | ~Q(reason=""),
                name="ledger_bonus_adjustment_have_reason",
            ),
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(amount__gt=0), name="ledger_only_adjustments_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} to {self.contractor_id}"


class PayoutStatus(models.TextChoices):
    CLOSED = "closed", "Closed (awaiting payment)"
    PAID = "paid", "Paid"


class PayoutBatch(models.Model):
    """Every ledger entry created before ``period_end`` and not in an earlier batch."""

    period_end = models.DateTimeField(unique=True)
    status = models.CharField(max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.CLOSED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    csv_uri = models.CharField(max_length=500, blank=True)
    json_uri = models.CharField(max_length=500, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_reference = models.CharField(
        max_length=200, blank=True, help_text="The payment provider's or bank's reference."
    )

    class Meta:
        ordering = ("-period_end",)
        verbose_name_plural = "payout batches"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(status="closed") | (Q(paid_at__isnull=False) & Q(paid_by__isnull=False)),
                name="payout_paid_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"payout batch {self.pk} to {self.period_end:%Y-%m-%d %H:%M}"


class PayoutLine(models.Model):
    """Freezes one ledger entry into one batch (so entries themselves are never updated)."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="payout_line")

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"entry {self.entry_id} in batch {self.batch_id}"
