"""A version's reliability page: sweep, failure-rate bounds, quality cost, threshold decisions."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gauntlet.accounts.models import User
from gauntlet.common.enqueue import task_send_on_commit
from gauntlet.errors import DomainError
from gauntlet.web.decorators import role_required
from ml_worker.models import ClassifierVersion, ThresholdDecision
from ml_worker.reliability.report import PLOT_NAMES, reliability_plots, reliability_report
from ml_worker.reliability.services.calibration import (
    threshold_decision_approve,
    threshold_decision_propose,
    threshold_decision_reject,
)


@role_required("manager")
def reliability_page(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(ClassifierVersion, pk=version_id)
    report = reliability_report(version=version)
    sweep = report["sweep"]
    return render(
        request,
        "ml_worker/reliability.html",
        {
            "version": version,
            "report": report,
            "summary": sweep["summary"] if sweep else None,
            "rows": sweep["rows"] if sweep else [],
            "current": report["current_threshold_row"],
            "plots": [name.removesuffix(".png") for name in PLOT_NAMES] if sweep else [],
        },
    )


@role_required("manager")
def reliability_plot(request: HttpRequest, version_id: int, name: str) -> HttpResponse:
    version = get_object_or_404(ClassifierVersion, pk=version_id)
    if f"{name}.png" not in PLOT_NAMES:
        raise Http404("no such plot")
    with tempfile.TemporaryDirectory() as tmp:
        paths = reliability_plots(version=version, directory=Path(tmp))
        if not paths:
            raise Http404("no sweep yet")
        return HttpResponse((Path(tmp) / f"{name}.png").read_bytes(), content_type="image/png")


@role_required("manager")
@require_POST
def reliability_sweep(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(ClassifierVersion, pk=version_id)
    task_send_on_commit("ml_worker.tasks.threshold_sweep_run", version.pk)
    messages.success(request, "Sweep queued on a gpu worker; reload when it is done.")
    return redirect("ml_worker_reliability:version", version_id=version.pk)


@role_required("manager")
@require_POST
def threshold_propose(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(ClassifierVersion, pk=version_id)
    try:
        bound = float(request.POST.get("max_win_rate_upper", "0.55"))
        min_pairs = int(request.POST.get("min_pairs", "20"))
        decision = threshold_decision_propose(
            version=version,
            max_win_rate_upper=bound,
            min_pairs=min_pairs,
            proposed_by=request.user,  # type: ignore[arg-type]  # role_required: signed in
        )
    except ValueError:
        messages.error(request, "The bound is a number between 0.5 and 1 and min pairs a whole number.")
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Proposed threshold {decision.threshold:g}; approve or reject it below.")
    return redirect("ml_worker_reliability:version", version_id=version.pk)


@role_required("manager")
@require_POST
def threshold_decide(request: HttpRequest, decision_id: int, verdict: str) -> HttpResponse:
    decision = get_object_or_404(ThresholdDecision, pk=decision_id)
    decide = {"approve": threshold_decision_approve, "reject": threshold_decision_reject}.get(verdict)
    if decide is None:
        raise Http404("approve or reject")
    approver: User = request.user  # type: ignore[assignment]
    try:
        decide(decision=decision, approver=approver, note=request.POST.get("note", "")[:2000])
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Threshold decision {decision.pk} {verdict}d.")
    return redirect("ml_worker_reliability:version", version_id=decision.classifier_version_id)
