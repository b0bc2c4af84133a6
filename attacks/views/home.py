"""The contractor's home: queues to work on, the task you hold, your earnings, your attacks."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from attacks.kinds import REWRITE
from attacks.models import AttackSubmission, RewriteSession
from gauntlet.accounts.models import ContractorProfile, Qualification, User
from gauntlet.payments.selectors import contractor_earnings
from gauntlet.web.decorators import role_required
from gauntlet.workqueue import selectors


@role_required("contractor")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required ran first
    profile = ContractorProfile.objects.filter(user=user).first()
    if profile is None or not profile.can_work:
        return redirect("workqueue_web:standing")
    open_assignments = list(selectors.contractor_open_assignments(contractor=user))
    sessions = dict(
        RewriteSession.objects.filter(assignment__in=open_assignments).values_list("assignment_id", "pk")
    )
    held: list[dict[str, Any]] = [
        {"assignment": a, "session_id": sessions.get(a.pk), "is_rewrite": a.queue.kind == REWRITE}
        for a in open_assignments
    ]
    attacks = dict(
        AttackSubmission.objects.filter(author=user)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    context = {
        "profile": profile,
        "on_probation": profile.qualification == Qualification.PROBATION,
        "queues": selectors.queues_for_contractor(contractor=user),
        "held": held,
        "earnings": contractor_earnings(contractor=user)["totals"],
        "attacks": attacks,
        "rewrite_kind": REWRITE,
    }
    return render(request, "attacks/home.html", context)
