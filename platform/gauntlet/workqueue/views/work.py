"""Working on a queue in the browser: claim → judge → next, with the next task prefetched.

Thin: claims, submits and releases go through :mod:`gauntlet.workqueue.services`, what a
task shows through the kind's ``present`` (blind by construction). The task fragment is
``workqueue/tasks/<kind>.html``, shipped by the app that owns the kind, so this module
knows no kind. Without JavaScript the forms post and redirect; ``work.js`` submits in the
background and swaps in the prefetched next task at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gauntlet.accounts.models import ContractorProfile, User
from gauntlet.api import domain_status
from gauntlet.errors import DomainError, Invalid, NotFound
from gauntlet.web.decorators import is_htmx, role_required
from gauntlet.workqueue import registry, selectors, services
from gauntlet.workqueue.models import Assignment, Queue

CONTRACTOR = "contractor"
NOTHING_LEFT = (
    "Nothing left for you in this queue right now: every open item is complete, leased to "
    "someone else, or already judged by you."
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required ran first
    return user


def task_context(assignment: Assignment) -> dict[str, Any]:
    """What the task fragment renders: the assignment, its queue and the kind's blind task."""
    return {
        "assignment": assignment,
        "queue": assignment.queue,
        "task": registry.get_kind(assignment.queue.kind).present(assignment=assignment),
        "task_template": f"workqueue/tasks/{assignment.queue.kind}.html",
    }


def _task_fragment(request: HttpRequest, assignment: Assignment | None, queue: Queue) -> HttpResponse:
    if assignment is None:
        return render(request, "workqueue/_nothing_left.html", {"queue": queue, "reason": NOTHING_LEFT})
    assignment.queue = queue
    return render(request, "workqueue/_task.html", task_context(assignment))


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    if error.code in ("blocked", "inactive", "not_qualified", "no_profile"):
        return redirect("workqueue_web:standing")
    messages.error(request, error.message)
    return redirect("/")


@role_required(CONTRACTOR)
def queue_work(request: HttpRequest, queue_id: int) -> HttpResponse:
    """The work page: your open assignment in this queue, or a newly claimed one, or "nothing left"."""
    try:
        queue, assignment = services.queue_claim(queue_id=queue_id, contractor=_user(request))
    except DomainError as error:
        if isinstance(error, NotFound):
            return render(request, "workqueue/queue_missing.html", status=404)
        return _refused(request, error)
    context: dict[str, Any] = {"queue": queue, "reason": NOTHING_LEFT}
    if assignment is not None:
        assignment.queue = queue
        context.update(task_context(assignment))
    return render(request, "workqueue/work.html", context)


@require_POST
@role_required(CONTRACTOR)
def queue_next(request: HttpRequest, queue_id: int) -> HttpResponse:
    """Prefetch: the fragment of another task in this queue than ``after`` (an open one you hold,
    else a fresh claim while the queue lets you hold more than one), or 204 when there is none."""
    user = _user(request)
    after = request.GET.get("after", "")
    held = selectors.contractor_open_assignments(contractor=user).filter(queue_id=queue_id)
    if after.isdigit():
        held = held.exclude(pk=int(after))
    assignment = held.first()
    try:
        if assignment is not None:
            queue = assignment.queue
        else:
            queue, assignment = services.queue_claim(queue_id=queue_id, contractor=user)
    except DomainError as error:
        return HttpResponse(error.message, status=domain_status(error))
    if assignment is None or str(assignment.pk) == after:
        return HttpResponse(status=204)
    return _task_fragment(request, assignment, queue)


def _submission(request: HttpRequest) -> dict[str, Any]:
    return {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", "next")}


def _error_text(error: DomainError) -> str:
    """What the contractor reads: a bad answer's field problems (the kind's own words), or the message."""
    if isinstance(error, Invalid) and error.fields:
        return " ".join(
            str(message) for messages_ in error.fields.values() for message in _as_list(messages_)
        )
    return error.message


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@require_POST
@role_required(CONTRACTOR)
def assignment_submit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Submit a judgment. Fragment requests get the next task (``?next=1``: claimed now) or 204
    (the page already shows the prefetched one); a 4xx with the message otherwise. A plain form
    post redirects to the queue's work page."""
    user = _user(request)
    assignment = selectors.assignment_for_contractor(assignment_id=assignment_id, contractor=user)
    if assignment is None:
        return _fail(request, "No such assignment.", 404, None)
    queue = assignment.queue
    try:
        services.assignment_submit(assignment=assignment, contractor=user, data=_submission(request))
    except DomainError as error:
        return _fail(request, _error_text(error), domain_status(error), queue)
    if not is_htmx(request):
        return redirect("workqueue_web:queue-work", queue_id=queue.pk)
    if request.GET.get("next") != "1":
        return HttpResponse(status=204)
    try:
        queue, next_assignment = services.queue_claim(queue_id=queue.pk, contractor=user)
    except DomainError as error:
        return HttpResponse(error.message, status=domain_status(error))
    return _task_fragment(request, next_assignment, queue)


def _fail(request: HttpRequest, message: str, status: int, queue: Queue | None) -> HttpResponse:
    if is_htmx(request):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    if queue is None:
        return redirect("/")
    return redirect("workqueue_web:queue-work", queue_id=queue.pk)


@require_POST
@role_required(CONTRACTOR)
def assignment_release(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Give the task back; it returns to the queue. Back to the home page."""
    try:
        assignment = services.assignment_release(
            assignment=Assignment(pk=assignment_id), contractor=_user(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("/")
    messages.success(request, f"Task released: it went back to {assignment.queue.name}.")
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": "/"})
    return redirect("/")


@role_required(CONTRACTOR)
def standing(request: HttpRequest) -> HttpResponse:
    """Your standing: qualified, on probation (what that means), blocked or inactive (why, whom to ask)."""
    profile = ContractorProfile.objects.filter(user=_user(request)).first()
    return render(request, "workqueue/standing.html", {"profile": profile})
