"""Queues, work items and assignments: the claim/submit engine's data.

The engine knows no task kind: a :class:`WorkItem`'s ``payload`` is opaque JSON
that the kind's handler (see :mod:`gauntlet.workqueue.registry`) validates and
interprets. Counters on the item (``judgments_received``, ``active_leases``) are
only changed while the item row is locked, so "never more than N judgments"
holds under any number of concurrent claimers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KT

from gauntlet.common.money import MoneyField
from gauntlet.workqueue import registry


class QueueState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"


class PayMode(models.TextChoices):
    PER_TASK = "per_task", "Per task"
    HOURLY = "hourly", "Hourly (active time)"


def default_eligible_qualifications() -> list[str]:
    return ["qualified"]


class Queue(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Instructions shown to contractors.")
    # The registry is the only list of kinds (each app registers its own in AppConfig.ready()).
    kind = models.CharField(max_length=32, choices=registry.kind_choices)
    state = models.CharField(max_length=16, choices=QueueState.choices, default=QueueState.DRAFT)
    overlap = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Judgments wanted per item.",
    )
    gold_rate = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Share of claims that should be gold items (0–1).",
    )
    lease_seconds = models.PositiveIntegerField(default=900, validators=[MinValueValidator(10)])
    max_open_assignments = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    priority = models.IntegerField(default=0, help_text="Higher queues are listed first.")
    pay_mode = models.CharField(max_length=16, choices=PayMode.choices, default=PayMode.PER_TASK)
    pay_per_task = MoneyField(max_digits=10, decimal_places=4, default=Decimal("0"))
    hourly_rate = MoneyField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Hourly queues: pay per active hour; empty means each contractor's own rate.",
    )
    max_minutes_per_task = models.PositiveIntegerField(
        default=30, help_text="Hourly queues: active minutes paid per task at most."
    )
    bonus_amount = MoneyField(
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        help_text="Bonus per success (attack queues: per verified adversarial example).",
    )
    currency = models.CharField(max_length=3, default="USD")
    auto_approve_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Submitted work is approved after this delay unless a manager acted."
    )
    eligible_qualifications = models.JSONField(
        default=default_eligible_qualifications,
        help_text="Contractor qualification statuses that may claim (e.g. ['qualified', 'probation']).",
    )
    kind_settings = models.JSONField(
        default=dict, blank=True, help_text="Kind-specific settings (see the kind)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-priority", "id")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(pay_per_task__gte=0), name="queue_pay_not_negative"),
            models.CheckConstraint(condition=Q(bonus_amount__gte=0), name="queue_bonus_not_negative"),
            models.CheckConstraint(
                condition=Q(gold_rate__gte=0) & Q(gold_rate__lte=1), name="queue_gold_rate_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class ItemState(models.TextChoices):
    OPEN = "open", "Open"  # wants more judgments
    COMPLETE = "complete", "Complete"  # has all judgments it wants
    CANCELLED = "cancelled", "Cancelled"


class WorkItem(models.Model):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="items")
    payload = models.JSONField(help_text="Kind-specific reference, e.g. {'example_id': 12}.")
    key = models.CharField(max_length=200, blank=True, help_text="Optional caller key; unique per queue.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_work_items",
        help_text="Who made the thing being judged; never offered to them.",
    )
    judgments_wanted = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    judgments_received = models.PositiveSmallIntegerField(default=0)  # submitted and not rejected
    active_leases = models.PositiveSmallIntegerField(default=0)  # leased, lease not yet expired or swept
    escalations = models.PositiveSmallIntegerField(default=0)
    is_gold = models.BooleanField(default=False)
    gold_answer = models.JSONField(null=True, blank=True, help_text="Never shown to contractors.")
    priority = models.IntegerField(default=0)
    state = models.CharField(max_length=16, choices=ItemState.choices, default=ItemState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["queue", "is_gold", "-priority", "-judgments_received", "id"],
                name="workitem_claim_order",
                condition=Q(state="open"),
            ),
            # What a claim walks: only items with a free slot are in it, so a claim never
            # scans past items that are fully leased. The condition is spelled exactly
            # like the filter in services.claim_sql.candidate_sql (the planner needs that).
            models.Index(
                fields=["queue", "is_gold", "-priority", "-judgments_received", "id"],
                name="workitem_claimable",
                condition=Q(state="open", judgments_received__lt=F("judgments_wanted") - F("active_leases")),
            ),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["queue", "key"], condition=~Q(key=""), name="workitem_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(judgments_received__lte=F("judgments_wanted")), name="workitem_never_overfilled"
            ),
            models.CheckConstraint(
                condition=Q(is_gold=False) | Q(gold_answer__isnull=False), name="gold_has_answer"
            ),
            # One example is in a queue once (gold or not): a rater who judged one copy would be
            # offered the other, and their submit would hit the label's uniqueness. The payload is
            # the kind's, but an item that judges one example names it as ``example_id``. Copies made
            # before this held keep their history and are marked ``duplicate_of`` (migration 0008).
            models.UniqueConstraint(
                F("queue"),
                KT("payload__example_id"),
                condition=Q(payload__has_key="example_id") & ~Q(payload__has_key="duplicate_of"),
                name="workitem_example_once_per_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.pk} of queue {self.queue_id}"


class AssignmentStatus(models.TextChoices):
    LEASED = "leased", "Leased"
    SUBMITTED = "submitted", "Submitted"
    RELEASED = "released", "Released"
    EXPIRED = "expired", "Expired"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# Statuses in which an assignment holds or held a judgment slot for its contractor.
JUDGED_STATUSES = (AssignmentStatus.SUBMITTED, AssignmentStatus.APPROVED, AssignmentStatus.REJECTED)


class Assignment(models.Model):
    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="assignments")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="assignments")  # denormalised
    contractor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.LEASED
    )
    claimed_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField()
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_active_at = models.DateTimeField(
        null=True, blank=True, help_text="The last active heartbeat (none yet: the claim counts)."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    active_seconds = models.PositiveIntegerField(default=0, help_text="From heartbeats, capped per interval.")
    # The pay rule as it stood when the task was claimed, written by the claim's own INSERT
    # (claim_sql.py): editing the queue never re-prices work already claimed. Empty on
    # assignments claimed before the snapshot existed (they are paid by the queue's rule).
    pay_mode = models.CharField(max_length=16, choices=PayMode.choices, blank=True, db_default="")
    pay_amount = MoneyField(
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Per task: the task's pay. Hourly: the rate per active hour (the queue's, or the "
        "contractor's own when the queue had none).",
    )
    pay_currency = models.CharField(max_length=3, blank=True, db_default="")
    pay_max_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Hourly: active minutes paid at most."
    )
    result = models.JSONField(null=True, blank=True, help_text="The validated submission.")
    gold_correct = models.BooleanField(null=True, blank=True, help_text="Gold items only.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ("id",)
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["contractor", "status"], name="assignment_contractor_status"),
            models.Index(fields=["status", "lease_expires_at"], name="assignment_lease_expiry"),
            models.Index(fields=["queue", "status"], name="assignment_queue_status"),
            # Every claim asks "has any lease in this queue run out?": with thousands of
            # live leases this keeps the answer one index probe.
            models.Index(
                fields=["queue", "lease_expires_at"],
                name="assignment_live_lease_expiry",
                condition=Q(status="leased"),
            ),
            # "Which live leases does this contractor hold in this queue?" (every claim asks):
            # without it PostgreSQL walks the queue's live leases and filters by contractor,
            # so each claim cost grew with the number of people working.
            models.Index(
                fields=["contractor", "queue"],
                name="assignment_live_lease_holder",
                condition=Q(status="leased"),
            ),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # A contractor judges an item at most once, and holds at most one live lease on it.
            # Contractor first: the claim's "not already held by me" anti-join reads this
            # contractor's range of the index, not the whole index.
            models.UniqueConstraint(
                fields=["contractor", "item"],
                condition=Q(status__in=["leased", "submitted", "approved", "rejected"]),
                name="assignment_one_per_contractor_item",
            ),
        ]

    def __str__(self) -> str:
        return f"assignment {self.pk} ({self.status})"


class ActivityClock(models.Model):
    """One clock per contractor: how far their active time has been counted.

    Active time is counted per heartbeat, but a person has one clock however many leases
    they hold: a heartbeat counts only the time since *both* its own lease's last heartbeat
    and the last time anything was counted for this contractor. So four tabs heartbeating
    four hourly leases earn the real time once, not four times. The row is locked
    (``SELECT … FOR UPDATE``) while counting, so racing heartbeats take turns.
    """

    contractor = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="activity_clock"
    )
    counted_until = models.DateTimeField(help_text="Active time up to here is already counted on a lease.")

    def __str__(self) -> str:
        return f"clock of {self.contractor_id} at {self.counted_until:%Y-%m-%d %H:%M:%S}"
