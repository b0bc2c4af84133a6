"""The rewrite tool: edit a seed until the classifier passes it while it stays injurious.

Every change is scored by the server with the session's classifier version (the same
services the JSON API calls); the page shows the live score against the threshold, and
in tool-assisted sessions a saliency heat per word and, for a clicked word, the
substitutions, insertions and deletion sorted by the score each produces. Fragments
(``_state.html``, ``_words.html``, ``_substitutions.html``) are swapped in by htmx.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attacks.kinds import REWRITE
from attacks.models import Condition, EditTool, RewriteSession, SessionStatus
from attacks.selectors import (
    attack_submissions_for_author,
    rewrite_session_for_contractor,
    rewrite_session_threshold,
)
from attacks.services.sessions.edits import rewrite_edit_record, rewrite_saliency, rewrite_substitutions
from attacks.services.sessions.lapse import rewrite_session_close_if_lapsed
from attacks.services.sessions.opening import rewrite_session_open
from attacks.services.sessions.submit import rewrite_session_abandon, rewrite_session_submit
from attacks.views.words import word_heat
from gauntlet.accounts.models import User
from gauntlet.api import domain_status
from gauntlet.errors import DomainError, Invalid
from gauntlet.web.decorators import is_htmx, role_required
from gauntlet.workqueue.models import Queue
from gauntlet.workqueue.services import queue_claim
from ml_worker.core.passing import passes as score_passes

CONTRACTOR = "contractor"
HISTORY_SHOWN = 30
# What each suggestion kind is recorded as in the session's edit history.
SUGGESTION_TOOLS = {
    "substitution": EditTool.SUBSTITUTION,
    "insertion_before": EditTool.INSERTION,
    "insertion_after": EditTool.INSERTION,
    "deletion": EditTool.DELETION,
}
WEB_TOOLS = {EditTool.TYPED, EditTool.SUBSTITUTION, EditTool.INSERTION, EditTool.DELETION}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required ran first
    return user


def _own(request: HttpRequest, session_id: int) -> RewriteSession | None:
    return rewrite_session_for_contractor(session_id=session_id, contractor=_user(request))


def _missing(request: HttpRequest) -> HttpResponse:
    if is_htmx(request):
        return HttpResponse("No such rewrite session.", status=404)
    return render(request, "attacks/rewrite_missing.html", status=404)


def _error(request: HttpRequest, error: DomainError, session_id: int) -> HttpResponse:
    if is_htmx(request):
        return HttpResponse(
            error.message, status=domain_status(error), content_type="text/plain; charset=utf-8"
        )
    messages.error(request, error.message)
    return redirect("attacks_web:rewrite-session", session_id=session_id)


def state_context(session: RewriteSession) -> dict[str, Any]:
    """The live part of the tool: score against the threshold, what Submit may do, the history."""
    edits = list(session.edits.order_by("-seq")[:HISTORY_SHOWN])
    # The version's current threshold, as submit applies it (not the snapshot taken at opening).
    threshold = rewrite_session_threshold(session=session)
    passes = score_passes(session.current_score, threshold)
    unchanged = (session.current_prompt, session.current_completion) == (
        session.seed.prompt,
        session.seed.completion,
    )
    return {
        "session": session,
        "tool_assisted": session.condition == Condition.TOOL_ASSISTED,
        "is_open": session.status == SessionStatus.OPEN,
        "passes": passes,
        "unchanged": unchanged,
        "can_submit": passes and not unchanged and session.status == SessionStatus.OPEN,
        "score_percent": round(session.current_score * 100, 1),
        "threshold": threshold,
        "threshold_percent": round(threshold * 100, 1),
        "edits": edits,
        "can_undo": len(edits) > 1 and session.status == SessionStatus.OPEN,
    }


@role_required(CONTRACTOR)
def rewrite_start(request: HttpRequest, queue_id: int) -> HttpResponse:
    """Claim the next seed of a rewrite queue (or return the one you hold) and open the tool."""
    queue = Queue.objects.filter(pk=queue_id, kind=REWRITE).first()
    if queue is None:
        return render(request, "attacks/rewrite_missing.html", status=404)
    try:
        queue, assignment = queue_claim(queue_id=queue.pk, contractor=_user(request))
        if assignment is None:
            return render(request, "attacks/rewrite_nothing_left.html", {"queue": queue})
        session = rewrite_session_open(assignment=assignment)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("/")
    return redirect("attacks_web:rewrite-session", session_id=session.pk)


@role_required(CONTRACTOR)
def rewrite_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own(request, session_id)
    if session is None:
        return _missing(request)
    session = rewrite_session_close_if_lapsed(session=session)
    context = state_context(session)
    context["submissions"] = attack_submissions_for_author(author=_user(request))[:10]
    context["assignment"] = session.assignment
    return render(request, "attacks/rewrite.html", context)


@require_POST
@role_required(CONTRACTOR)
def rewrite_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    """Score and record the posted text. ``tool`` says what made it (typed, or a suggestion's kind).
    Fragment answer: the live state (``?full=1``: the whole tool, editor included, after a tool action)."""
    session = _own(request, session_id)
    if session is None:
        return _missing(request)
    tool = request.POST.get("tool", EditTool.TYPED)
    tool = SUGGESTION_TOOLS.get(tool, tool)
    if tool not in WEB_TOOLS:
        return _error(request, Invalid("invalid_tool", f"Unknown tool {tool!r}."), session_id)
    try:
        edit = rewrite_edit_record(
            session=session,
            contractor=_user(request),
            prompt=request.POST.get("prompt", ""),
            completion=request.POST.get("completion", ""),
            tool=tool,
        )
    except DomainError as error:
        return _error(request, error, session_id)
    return _tool_answer(request, edit.session, full=request.GET.get("full") == "1")


def _tool_answer(request: HttpRequest, session: RewriteSession, *, full: bool) -> HttpResponse:
    """The tool's new state, rendered from the session row the edit just wrote (no second read)."""
    if not is_htmx(request):
        return redirect("attacks_web:rewrite-session", session_id=session.pk)
    template = "attacks/_tool.html" if full else "attacks/_state.html"
    return render(request, template, state_context(session))


@require_POST
@role_required(CONTRACTOR)
def rewrite_undo(request: HttpRequest, session_id: int) -> HttpResponse:
    """Go back to the text before the current one; recorded (and scored) as a new step of the history."""
    session = _own(request, session_id)
    if session is None:
        return _missing(request)
    current = (session.current_prompt, session.current_completion)
    earlier = next(
        (
            (edit.prompt, edit.completion)
            for edit in session.edits.order_by("-seq")
            if (edit.prompt, edit.completion) != current
        ),
        None,
    )
    if earlier is None:
        return _error(
            request, Invalid("nothing_to_undo", "Nothing to undo: this is the seed's text."), session_id
        )
    try:
        edit = rewrite_edit_record(
            session=session,
            contractor=_user(request),
            prompt=earlier[0],
            completion=earlier[1],
            tool=EditTool.TYPED,
        )
    except DomainError as error:
        return _error(request, error, session_id)
    return _tool_answer(request, edit.session, full=True)


@require_POST
@role_required(CONTRACTOR)
def rewrite_words(request: HttpRequest, session_id: int) -> HttpResponse:
    """The current text as clickable words, each with its saliency as a background heat."""
    session = _own(request, session_id)
    if session is None:
        return _missing(request)
    try:
        saliency = rewrite_saliency(session=session, contractor=_user(request))
    except DomainError as error:
        return _error(request, error, session_id)
    fields = [
        {"field": field, "label": label, "words": word_heat(text, saliency["tokens"], field)}
        for field, label, text in (
            ("prompt", "Prompt", session.current_prompt),
            ("completion", "Completion", session.current_completion),
        )
    ]
    return render(request, "attacks/_words.html", {"session": session, "fields": fields})


@require_POST
@role_required(CONTRACTOR)
def rewrite_suggestions(request: HttpRequest, session_id: int) -> HttpResponse:
    """Substitutions, insertions and the deletion for one word, lowest resulting score first."""
    session = _own(request, session_id)
    if session is None:
        return _missing(request)
    field = request.POST.get("field", "completion")
    start, end = request.POST.get("start", ""), request.POST.get("end", "")
    if field not in ("prompt", "completion") or not start.isdigit() or not end.isdigit():
        return HttpResponse("Pick a word: field, start and end are needed.", status=400)
    try:
        answer = rewrite_substitutions(
            session=session, contractor=_user(request), field=field, start=int(start), end=int(end), k=10
        )
    except DomainError as error:
        return _error(request, error, session_id)
    return render(request, "attacks/_substitutions.html", {"session": session, "answer": answer})


@require_POST
@role_required(CONTRACTOR)
def rewrite_submit(request: HttpRequest, session_id: int) -> HttpResponse:
    """Submit the current text (the server re-scores it); on to your submissions."""
    session = _own(request, session_id)
    if session is None:
        return _missing(request)
    try:
        rewrite_session_submit(session=session, contractor=_user(request))
    except DomainError as error:
        messages.error(request, f"Not submitted: {error.message}")
        return redirect("attacks_web:rewrite-session", session_id=session_id)
    messages.success(request, "Submitted. It passed the classifier; verifiers will now judge it.")
    return redirect("attacks_web:my-rewrites")


@require_POST
@role_required(CONTRACTOR)
def rewrite_abandon(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own(request, session_id)
    if session is None:
        return _missing(request)
    try:
        rewrite_session_abandon(session=session, contractor=_user(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("attacks_web:rewrite-session", session_id=session_id)
    messages.info(request, "You gave this seed back; it returns to the queue.")
    return redirect("/")


@role_required(CONTRACTOR)
def my_rewrites(request: HttpRequest) -> HttpResponse:
    """Every attack you submitted and how it went: pending, verified (and paid), failed (and why)."""
    submissions = attack_submissions_for_author(author=_user(request))[:200]
    return render(request, "attacks/my_rewrites.html", {"submissions": submissions})
