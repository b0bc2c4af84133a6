"""Reading the money: ledger queries, contractor earnings, queue cost, payout summaries.

All sums are done in Decimal (the database's ``numeric``), grouped by currency:
amounts in different currencies are never added together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment, AssignmentStatus, ItemState, Queue, WorkItem

from .models import PAY_KINDS, LedgerEntry, LedgerKind, PayoutBatch, PayoutStatus
from .money import payable_steps
from .rates import pay_for_assignment, quantize

ZERO = Decimal("0.0000")


def ledger_list(
    *,
    contractor_id: int | None = None,
    queue_id: int | None = None,
    kind: str | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
) -> QuerySet[LedgerEntry]:
    """Entries, newest first; ``created_from`` inclusive, ``created_to`` exclusive."""
    qs = LedgerEntry.objects.select_related("contractor", "created_by", "payout_line__batch")
    if contractor_id is not None:
        qs = qs.filter(contractor_id=contractor_id)
    if queue_id is not None:
        qs = qs.filter(queue_id=queue_id)
    if kind:
        qs = qs.filter(kind=kind)
    if created_from is not None:
        qs = qs.filter(created_at__gte=created_from)
    if created_to is not None:
        qs = qs.filter(created_at__lt=created_to)
    return qs.order_by("-created_at", "-id")


def ledger_totals(qs: QuerySet[LedgerEntry]) -> dict[str, list[dict[str, Any]]]:
    """Sums of a ledger query: per currency, and per kind within each currency."""
    by_currency = (
        qs.order_by()
        .values("currency")
        .annotate(amount=Sum("amount"), entries=Count("id"))
        .order_by("currency")
    )
    by_kind = (
        qs.order_by()
        .values("currency", "kind")
        .annotate(amount=Sum("amount"), entries=Count("id"))
        .order_by("currency", "kind")
    )
    return {"by_currency": [dict(r) for r in by_currency], "by_kind": [dict(r) for r in by_kind]}


def _money() -> dict[str, Decimal]:
    return {"pending": ZERO, "approved": ZERO, "paid": ZERO}


def contractor_earnings(*, contractor: User) -> dict[str, Any]:
    """A contractor's money: pending (submitted, not yet reviewed, valued at what it would
    earn now), approved (in the ledger, not yet in a paid batch) and paid; overall, per queue
    and per day (UTC). Only this contractor's rows are ever read."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(_money)
    per_queue: dict[tuple[int | None, str], dict[str, Decimal]] = defaultdict(_money)
    per_day: dict[tuple[dt.date, str], dict[str, Decimal]] = defaultdict(_money)
    queue_names: dict[int, str] = {}

    pending = Assignment.objects.filter(
        contractor=contractor, status=AssignmentStatus.SUBMITTED
    ).select_related("queue", "contractor__contractor_profile")
    for assignment in pending:
        pay = pay_for_assignment(assignment)
        if pay.amount <= 0:
            continue
        queue_names[assignment.queue_id] = assignment.queue.name
        day = (assignment.submitted_at or assignment.claimed_at).astimezone(dt.UTC).date()
        for bucket in (
            totals[pay.currency],
            per_queue[(assignment.queue_id, pay.currency)],
            per_day[(day, pay.currency)],
        ):
            bucket["pending"] += pay.amount

    entries = (
        LedgerEntry.objects.filter(contractor=contractor)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values("queue_id", "queue__name", "currency", "day")
        .annotate(
            paid=Sum("amount", filter=Q(payout_line__batch__status=PayoutStatus.PAID)),
            total=Sum("amount"),
        )
        .order_by()
    )
    for row in entries:
        paid = row["paid"] or ZERO
        approved = row["total"] - paid
        if row["queue_id"] is not None:
            queue_names[row["queue_id"]] = row["queue__name"]
        currency = row["currency"]
        for bucket in (
            totals[currency],
            per_queue[(row["queue_id"], currency)],
            per_day[(row["day"], currency)],
        ):
            bucket["approved"] += approved
            bucket["paid"] += paid

    return {
        "totals": [{"currency": c, **m} for c, m in sorted(totals.items())],
        "by_queue": [
            {"queue_id": q, "queue_name": queue_names.get(q, "") if q else "", "currency": c, **m}
            for (q, c), m in sorted(per_queue.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))
        ],
        "by_day": [{"date": d, "currency": c, **m} for (d, c), m in sorted(per_day.items(), reverse=True)],
    }


def _per(amount: Decimal, count: int) -> Decimal | None:
    return quantize(amount / count) if count else None


def queue_cost(*, queue: Queue) -> dict[str, Any]:
    """What a queue's data cost, in the queue's currency.

    pay = task pay + hourly pay + adjustments booked to the queue; bonuses = bonuses
    booked to it. Judgments = approved assignments (accepted output); consensus labels =
    items that received all the judgments they wanted. Entries in another currency (an
    hourly queue paying contractors' own rates in their currency) are not added in; they
    are counted in ``other_currency_entries``.
    """
    entries = LedgerEntry.objects.filter(queue=queue)
    same = entries.filter(currency=queue.currency)
    sums = same.aggregate(
        pay=Sum("amount", filter=Q(kind__in=[*PAY_KINDS, LedgerKind.ADJUSTMENT])),
        bonuses=Sum("amount", filter=Q(kind=LedgerKind.BONUS)),
    )
    pay = sums["pay"] or ZERO
    bonuses = sums["bonuses"] or ZERO
    total = pay + bonuses
    approved = Assignment.objects.filter(queue=queue, status=AssignmentStatus.APPROVED).aggregate(
        n=Count("id"), seconds=Sum("active_seconds")
    )
    judgments = int(approved["n"] or 0)
    active_seconds = int(approved["seconds"] or 0)
    consensus_labels = WorkItem.objects.filter(queue=queue, state=ItemState.COMPLETE).count()
    return {
        "queue_id": queue.pk,
        "queue_name": queue.name,
        "currency": queue.currency,
        "pay": pay,
        "bonuses": bonuses,
        "total": total,
        "judgments": judgments,
        "consensus_labels": consensus_labels,
        "cost_per_judgment": _per(total, judgments),
        "cost_per_consensus_label": _per(total, consensus_labels),
        "active_minutes": quantize(Decimal(active_seconds) / 60),
        "active_minutes_per_judgment": _per(Decimal(active_seconds) / 60, judgments),
        "other_currency_entries": entries.exclude(currency=queue.currency).count(),
    }


def payout_batch_list() -> QuerySet[PayoutBatch]:
    return (
        PayoutBatch.objects.select_related("created_by", "paid_by")
        .annotate(entry_count=Count("lines"))
        .order_by("-period_end")
    )


def payout_batch_rows(*, batch: PayoutBatch) -> list[dict[str, Any]]:
    """One row per contractor (and currency) in the batch: who gets how much.

    ``ledger`` is the exact sum of the batch's entries; ``total`` is what is paid, in the
    currency's minor unit and never negative; ``carried`` is what the contractor's next
    batch starts from (see :mod:`gauntlet.payments.money`).
    """
    rows = list(
        LedgerEntry.objects.filter(payout_line__batch=batch)
        .values("contractor_id", "contractor__email", "currency")
        .annotate(entries=Count("id"), total=Sum("amount"))
        .order_by("contractor__email", "currency")
    )
    history: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for earlier in (
        LedgerEntry.objects.filter(
            contractor_id__in={r["contractor_id"] for r in rows},
            payout_line__batch__period_end__lt=batch.period_end,
        )
        .values("contractor_id", "currency", "payout_line__batch__period_end")
        .annotate(total=Sum("amount"))
        .order_by("payout_line__batch__period_end")
    ):
        history[(earlier["contractor_id"], earlier["currency"])].append(earlier["total"])
    result = []
    for r in rows:
        sums = [*history[(r["contractor_id"], r["currency"])], r["total"]]
        total, carried = payable_steps(r["currency"], sums)[-1]
        result.append(
            {
                "contractor_id": r["contractor_id"],
                "email": r["contractor__email"],
                "currency": r["currency"],
                "entries": r["entries"],
                "ledger": r["total"],
                "total": total,
                "carried": carried,
            }
        )
    return result


def payout_batch_entries(*, batch: PayoutBatch) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(payout_line__batch=batch).select_related("contractor").order_by("id")
