"""Manager page: per-contractor totals, payout batches (close one, export it)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gauntlet.accounts.models import User
from gauntlet.errors import DomainError
from gauntlet.payments.models import LedgerEntry, PayoutBatch
from gauntlet.payments.selectors import payout_batch_list, payout_batch_rows
from gauntlet.payments.services.payouts import payout_batch_close, payout_csv
from gauntlet.web.decorators import role_required


def contractor_totals() -> list[dict[str, Any]]:
    """Per contractor and currency: everything earned, and what is not in a payout batch yet."""
    rows = (
        LedgerEntry.objects.values("contractor_id", "contractor__email", "currency")
        .annotate(
            entries=Count("id"),
            total=Sum("amount"),
            unbatched=Sum("amount", filter=Q(payout_line__isnull=True)),
        )
        .order_by("contractor__email", "currency")
    )
    return [dict(row) for row in rows]


@role_required("manager")
def payments_page(request: HttpRequest) -> HttpResponse:
    batches = list(payout_batch_list()[:30])
    return render(
        request,
        "payments/manage/payments.html",
        {"totals": contractor_totals(), "batches": [(b, payout_batch_rows(batch=b)) for b in batches]},
    )


@require_POST
@role_required("manager")
def payout_close(request: HttpRequest) -> HttpResponse:
    try:
        batch = payout_batch_close(
            period_end=timezone.now(),
            created_by=cast(User, request.user),
            note=request.POST.get("note", "")[:2000],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Payout batch {batch.pk} closed up to {batch.period_end:%Y-%m-%d %H:%M}.")
    return redirect("payments_manage:payments")


@role_required("manager")
def payout_export_csv(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(PayoutBatch, pk=batch_id)
    response = HttpResponse(payout_csv(batch=batch), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="payout-{batch.pk}.csv"'
    return response
