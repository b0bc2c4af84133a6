"""Rewrite sessions: open on claim, score every edit, answer the tools, submit after a server re-score.

One concern per module: :mod:`.opening`, :mod:`.edits` (edits and tools), :mod:`.submit` (submit and
abandon), :mod:`.lapse` (sessions whose task is gone) and :mod:`.access` (the checks every write makes).
Callers import from those modules; the names below are re-exported so older imports keep working.
"""

from attacks.services.sessions.edits import rewrite_edit_record, rewrite_saliency, rewrite_substitutions
from attacks.services.sessions.lapse import rewrite_session_close_if_lapsed, rewrite_sessions_close_lapsed
from attacks.services.sessions.opening import queue_condition, rewrite_session_open
from attacks.services.sessions.submit import ATTACK_BATCH, rewrite_session_abandon, rewrite_session_submit

__all__ = [
    "ATTACK_BATCH",
    "queue_condition",
    "rewrite_edit_record",
    "rewrite_saliency",
    "rewrite_session_abandon",
    "rewrite_session_close_if_lapsed",
    "rewrite_session_open",
    "rewrite_session_submit",
    "rewrite_sessions_close_lapsed",
    "rewrite_substitutions",
]
