"""What a contractor does inside a session: edits scored live, and the saliency and substitution tools."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from attacks import scoring
from attacks.models import EditTool, RewriteEdit, RewriteSession
from attacks.services.sessions.access import (
    session_keep_alive,
    session_lock_own,
    session_open_for_tools,
    session_require_open,
)
from attacks.services.sessions.lapse import rewrite_session_close_if_lapsed
from gauntlet.accounts.models import User
from gauntlet.errors import Invalid
from labeling.services.examples import example_fields_clean


def rewrite_edit_record(
    *, session: RewriteSession, contractor: User, prompt: str, completion: str, tool: str
) -> RewriteEdit:
    """Score the edited text with the session's classifier version and record it as the current text.

    409 ``session_closed`` when the session ended (a lapsed task abandons it first, committed)."""
    rewrite_session_close_if_lapsed(session=session)
    return _edit_record(
        session=session, contractor=contractor, prompt=prompt, completion=completion, tool=tool
    )


@transaction.atomic
def _edit_record(
    *, session: RewriteSession, contractor: User, prompt: str, completion: str, tool: str
) -> RewriteEdit:
    session = session_lock_own(session=session, contractor=contractor)
    session_require_open(session)
    if tool not in EditTool.values or tool == EditTool.SEED:
        choices = ", ".join(v for v in EditTool.values if v != EditTool.SEED)
        raise Invalid("invalid_tool", f"tool must be one of {choices}.", fields={"tool": [choices]})
    # Normalise now, as the example will be when it is registered: the live score, the submit's
    # re-score and the stored example then all see one string (what is scored is what is stored).
    prompt, completion = _clean(prompt=prompt, completion=completion)
    score = scoring.text_score(version=session.classifier_version, prompt=prompt, completion=completion)
    session_keep_alive(session, contractor)
    last = session.edits.order_by("-seq").values_list("seq", flat=True).first() or 0
    edit = RewriteEdit.objects.create(
        session=session, seq=last + 1, prompt=prompt, completion=completion, score=score, tool=tool
    )
    session.current_prompt, session.current_completion, session.current_score = prompt, completion, score
    session.save(update_fields=["current_prompt", "current_completion", "current_score"])
    return edit


def _clean(*, prompt: str, completion: str) -> tuple[str, str]:
    fields, errors = example_fields_clean(prompt=prompt, completion=completion)
    if errors:
        raise Invalid(
            "invalid_text", "; ".join(e.reason for e in errors), fields={e.field: [e.reason] for e in errors}
        )
    return fields["prompt"], fields["completion"]


def rewrite_saliency(*, session: RewriteSession, contractor: User) -> dict[str, Any]:
    """Token saliency of the session's current text (tool-assisted sessions only)."""
    session = session_open_for_tools(session=session, contractor=contractor)
    return scoring.text_saliency(
        version=session.classifier_version,
        prompt=session.current_prompt,
        completion=session.current_completion,
    )


def rewrite_substitutions(
    *, session: RewriteSession, contractor: User, field: str, start: int, end: int, k: int
) -> dict[str, Any]:
    """Replacement suggestions for a span of the current text, sorted by the score they give."""
    session = session_open_for_tools(session=session, contractor=contractor)
    return scoring.text_substitutions(
        version=session.classifier_version,
        prompt=session.current_prompt,
        completion=session.current_completion,
        field=field,
        start=start,
        end=end,
        k=k,
    )
