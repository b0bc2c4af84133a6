"""Manager page: review submitted work in bulk, filtered by queue, contractor and gold failures."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gauntlet.accounts.models import Role, User
from gauntlet.errors import DomainError
from gauntlet.web.decorators import role_required
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue
from gauntlet.workqueue.services import assignments_review_bulk

PAGE_SIZE = 100


class ReviewFilterForm(forms.Form):
    queue = forms.ModelChoiceField(
        queryset=Queue.objects.order_by("name"), required=False, empty_label="any queue"
    )
    contractor = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.CONTRACTOR).order_by("email"),
        required=False,
        empty_label="anyone",
    )
    gold_failures = forms.BooleanField(label="Only failed gold items", required=False)


def submitted_for_review(filters: dict[str, Any]) -> QuerySet[Assignment]:
    """Submitted (not yet reviewed) assignments matching the page's filters, oldest first."""
    rows = Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).select_related("queue", "contractor")
    if filters.get("queue"):
        rows = rows.filter(queue=filters["queue"])
    if filters.get("contractor"):
        rows = rows.filter(contractor=filters["contractor"])
    if filters.get("gold_failures"):
        rows = rows.filter(gold_correct=False)
    return rows.order_by("submitted_at", "id")


@role_required("manager")
def review_page(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    assignments = submitted_for_review(filters)
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workqueue/manage/review.html",
        {
            "form": form if form.is_bound else ReviewFilterForm(),
            "page": page,
            "query": request.GET.urlencode(),
        },
    )


@role_required("manager")
def review_submit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("workqueue_manage:review")
    ids = [int(v) for v in request.POST.getlist("assignment") if v.isdigit()]
    decision = request.POST.get("decision")
    if not ids or decision not in ("approve", "reject"):
        messages.error(request, "Tick at least one assignment, then approve or reject.")
    else:
        try:
            reviewed = assignments_review_bulk(
                assignment_ids=ids,
                approved=decision == "approve",
                reviewer=cast(User, request.user),
                note=request.POST.get("note", "").strip()[:2000],
            )
        except DomainError as exc:
            messages.error(request, f"Nothing was reviewed: {exc}")
        else:
            verb = "approved" if decision == "approve" else "rejected"
            messages.success(
                request, f"{len(reviewed)} assignment{'s' if len(reviewed) != 1 else ''} {verb}."
            )
    return redirect(f"{reverse('workqueue_manage:review')}?{request.POST.get('query', '')}")
