"""Manager page: decide the items a queue's raters left undecided (the decision becomes the
final consensus, method ``adjudicated``, recorded in the audit log by the service)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gauntlet.accounts.models import User
from gauntlet.errors import DomainError
from gauntlet.web.decorators import role_required
from gauntlet.workqueue.models import Queue
from labeling.models import Consensus
from labeling.selectors import consensus_awaiting_adjudication, consensus_votes
from labeling.services.adjudication import consensus_adjudicate

SHOWN = 100


@role_required("manager")
def adjudication_page(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(Queue, pk=queue_id)
    waiting = consensus_awaiting_adjudication(queue=queue)
    rows = [{"consensus": c, "votes": consensus_votes(consensus=c)} for c in waiting[:SHOWN]]
    return render(
        request, "labeling/adjudication.html", {"queue": queue, "rows": rows, "total": waiting.count()}
    )


@require_POST
@role_required("manager")
def adjudication_decide(request: HttpRequest, consensus_id: int) -> HttpResponse:
    consensus = get_object_or_404(Consensus, pk=consensus_id)
    try:
        consensus_adjudicate(
            consensus=consensus,
            label=request.POST.get("label", ""),
            by=cast(User, request.user),
            note=request.POST.get("note", "")[:2000],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Example {consensus.example_id} decided: {request.POST.get('label')}.")
    return redirect("labeling_manage:adjudication", queue_id=consensus.queue_id)
