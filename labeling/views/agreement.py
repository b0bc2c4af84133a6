"""Manager pages: a queue's agreement, a rater's audit, probation and block from there."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gauntlet.accounts.models import User
from gauntlet.errors import Invalid
from gauntlet.web.decorators import role_required
from gauntlet.workqueue.models import Queue
from labeling.selectors import queue_agreement, rater_audit
from labeling.services.raters import rater_block, rater_probation
from labeling.views.plots import confusion_heatmap_svg

SORTABLE = ("rater", "count", "accuracy_vs_majority", "accuracy_vs_gold", "unsure_rate")


def _rater_rows(report: dict, emails: dict[str, str], sort: str) -> list[dict]:
    flagged = report.get("flagged_raters", {})
    rows = [
        {**stats, "rater": rater, "email": emails.get(rater, rater), "flags": flagged.get(rater, [])}
        for rater, stats in report.get("per_rater", {}).items()
    ]
    key = sort.lstrip("-") if sort.lstrip("-") in SORTABLE else "rater"
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: r[key] if key != "rater" else int(r["rater"]), reverse=sort.startswith("-"))
    return present + missing


def _emails(report: dict) -> dict[str, str]:
    ids = [int(rater) for rater in report.get("per_rater", {})]
    return {str(pk): email for pk, email in User.objects.filter(pk__in=ids).values_list("pk", "email")}


@role_required("manager")
def queue_agreement_page(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(Queue, pk=queue_id)
    report = queue_agreement(queue=queue)
    emails = _emails(report)
    sort = request.GET.get("sort", "rater")
    context = {
        "queue": queue,
        "report": report,
        "raters": _rater_rows(report, emails, sort),
        "sort": sort,
        "pairs": [
            {**pair, "email_a": emails.get(str(pair["rater_a"])), "email_b": emails.get(str(pair["rater_b"]))}
            for pair in report.get("cohen_kappa", {}).get("pairs", [])
        ],
    }
    return render(request, "labeling/agreement.html", context)


@role_required("manager")
def queue_confusion_svg(request: HttpRequest, queue_id: int) -> HttpResponse:
    report = queue_agreement(queue=get_object_or_404(Queue, pk=queue_id))
    svg = confusion_heatmap_svg(report.get("per_rater", {}), _emails(report))
    return HttpResponse(svg, content_type="image/svg+xml")


@role_required("manager")
def rater_audit_page(request: HttpRequest, rater_id: int) -> HttpResponse:
    rater = get_object_or_404(User, pk=rater_id)
    audit = rater_audit(rater=rater)
    peers = dict(
        User.objects.filter(pk__in=[k["peer"] for k in audit["kappa_vs_peers"]]).values_list("pk", "email")
    )
    for row in audit["kappa_vs_peers"]:
        row["email"] = peers.get(row["peer"], row["peer"])
    return render(request, "labeling/rater_audit.html", {"rater": rater, "audit": audit})


@require_POST
@role_required("manager")
def rater_standing_change(request: HttpRequest, rater_id: int, action: str) -> HttpResponse:
    rater = get_object_or_404(User, pk=rater_id)
    change = rater_block if action == "block" else rater_probation
    note = request.POST.get("note", "").strip()[:2000]
    try:
        change(rater=rater, by=cast(User, request.user), note=note)
    except Invalid as exc:
        messages.error(request, " ".join(str(m) for msgs in exc.fields.values() for m in msgs))
    else:
        done = "blocked (open leases released)" if action == "block" else "put on probation"
        messages.success(request, f"{rater.email} {done}.")
    return redirect("labeling_manage:rater-audit", rater_id=rater.pk)
