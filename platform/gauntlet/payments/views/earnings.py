"""A contractor's earnings page: pending / approved / paid per currency, then every ledger line."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gauntlet.payments.selectors import contractor_earnings, ledger_list
from gauntlet.web.decorators import role_required

LINES_PER_PAGE = 50


@role_required("contractor")
def earnings(request: HttpRequest) -> HttpResponse:
    summary = contractor_earnings(contractor=request.user)  # type: ignore[arg-type]
    lines = Paginator(ledger_list(contractor_id=request.user.pk).select_related("queue"), LINES_PER_PAGE)
    page = lines.get_page(request.GET.get("page"))
    return render(request, "payments/earnings.html", {"summary": summary, "lines": page})
