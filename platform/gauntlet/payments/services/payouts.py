"""Payout batches: close a period, export what each contractor gets, record the payment.

Closing is serialised (a PostgreSQL transaction-level advisory lock; SQLite
serialises writers anyway) so two managers closing at once cannot freeze the
same entry twice — and the one-line-per-entry constraint would refuse it if
they did. The export is written inside the closing transaction: a batch never
exists without its files, and a failed upload rolls the close back so it can
simply be retried.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.common import storage
from gauntlet.errors import Conflict, Invalid

from ..models import LedgerEntry, PayoutBatch, PayoutLine, PayoutStatus
from ..selectors import payout_batch_entries, payout_batch_rows

_CLOSE_LOCK_KEY = 0x6761_7931  # "gay1": any constant unique to payout closing
CSV_HEADER = ["contractor_id", "email", "currency", "entries", "total", "carried"]


def _lock_closing() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CLOSE_LOCK_KEY])


def _spreadsheet_safe(text: str) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _export_key(batch: PayoutBatch, extension: str) -> str:
    return f"exports/payouts/batch-{batch.pk}-{batch.period_end:%Y%m%dT%H%M%SZ}.{extension}"


def payout_csv(*, batch: PayoutBatch) -> bytes:
    """Header + one row per contractor (per currency), UTF-8 with a BOM so spreadsheets read it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in payout_batch_rows(batch=batch):
        writer.writerow(
            [
                row["contractor_id"],
                _spreadsheet_safe(row["email"]),
                row["currency"],
                row["entries"],
                f"{row['total']}",
                f"{row['carried']}",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _money(value: Decimal) -> str:
    return f"{value}"


def payout_json(*, batch: PayoutBatch) -> bytes:
    """The batch, its per-contractor totals and every frozen entry (amounts as strings)."""
    document: dict[str, Any] = {
        "batch_id": batch.pk,
        "period_end": batch.period_end.isoformat(),
        "created_by": batch.created_by.email,
        "created_at": batch.created_at.isoformat(),
        "contractors": [
            {**r, **{k: _money(r[k]) for k in ("ledger", "total", "carried")}}
            for r in payout_batch_rows(batch=batch)
        ],
        "entries": [
            {
                "id": e.pk,
                "contractor_id": e.contractor_id,
                "email": e.contractor.email,
                "kind": e.kind,
                "amount": _money(e.amount),
                "currency": e.currency,
                "assignment_id": e.assignment_id,
                "queue_id": e.queue_id,
                "reference": e.reference,
                "reason": e.reason,
                "created_at": e.created_at.isoformat(),
            }
            for e in payout_batch_entries(batch=batch)
        ],
    }
    return json.dumps(document, indent=2).encode("utf-8")


def payout_batch_export(*, batch: PayoutBatch) -> PayoutBatch:
    """(Re)write the batch's CSV and JSON to artifact storage. Idempotent: a frozen batch's
    content never changes, so re-exporting writes the same bytes under the same keys."""
    batch.csv_uri = storage.save_bytes(_export_key(batch, "csv"), payout_csv(batch=batch))
    batch.json_uri = storage.save_bytes(_export_key(batch, "json"), payout_json(batch=batch))
    batch.save(update_fields=["csv_uri", "json_uri"])
    return batch


@transaction.atomic
def payout_batch_close(*, period_end: dt.datetime, created_by: User, note: str = "") -> PayoutBatch:
    """Freeze every unbatched ledger entry created before ``period_end`` into a new batch and export it.

    Idempotent per period: closing a period that is already closed returns that batch and
    changes nothing. Periods close in order: a period ending before the latest closed one is
    refused (its entries are already frozen). An entry committed late (created before
    ``period_end`` by a transaction that committed after the close) goes into the next batch.
    """
    if timezone.is_naive(period_end):
        raise Invalid(
            "invalid_period", "period_end needs a timezone.", fields={"period_end": ["Naive datetime."]}
        )
    if period_end > timezone.now():
        raise Invalid(
            "period_not_over",
            "A period can only be closed once it has ended.",
            fields={"period_end": ["In the future."]},
        )
    _lock_closing()
    existing = PayoutBatch.objects.filter(period_end=period_end).first()
    if existing is not None:
        return existing
    latest = PayoutBatch.objects.order_by("-period_end").first()
    if latest is not None and latest.period_end > period_end:
        raise Conflict(
            "period_already_covered",
            f"A later period (to {latest.period_end.isoformat()}) is already closed.",
            fields={"period_end": ["Before the latest closed period."]},
        )
    batch = PayoutBatch.objects.create(period_end=period_end, created_by=created_by, note=note.strip())
    entry_ids = LedgerEntry.objects.filter(created_at__lt=period_end, payout_line__isnull=True).values_list(
        "id", flat=True
    )
    PayoutLine.objects.bulk_create(
        [PayoutLine(batch=batch, entry_id=pk) for pk in entry_ids], batch_size=2000
    )
    return payout_batch_export(batch=batch)


@transaction.atomic
def payout_batch_mark_paid(*, batch: PayoutBatch, by: User, reference: str, note: str = "") -> PayoutBatch:
    """Record that the batch was paid out (who, when, the payment reference).

    Idempotent: marking it paid again with the same reference changes nothing; a
    different reference is refused (409) rather than overwriting the record.
    """
    reference = (reference or "").strip()
    if not reference:
        raise Invalid(
            "reference_required", "Give the payment reference.", fields={"reference": ["Required."]}
        )
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == PayoutStatus.PAID:
        if batch.paid_reference == reference:
            return batch
        raise Conflict(
            "already_paid",
            f"Batch {batch.pk} was already marked paid with reference {batch.paid_reference!r}.",
        )
    batch.status = PayoutStatus.PAID
    batch.paid_by = by
    batch.paid_at = timezone.now()
    batch.paid_reference = reference
    if note.strip():
        batch.note = f"{batch.note}\n{note.strip()}".strip()
    batch.save(update_fields=["status", "paid_by", "paid_at", "paid_reference", "note"])
    return batch
