"""Simulated attackers in real rewrite sessions: each edit is scored live by the attacked version.

Manual attackers rewrite with the story world's own phrases (another way to tell the injury, an added or
dropped aftermath, another opener or first event, now and then a softened ending that loses the injury);
tool-assisted ones ask the real saliency tool for the word the classifier leans on and the real
substitution tool for replacements, and rewrite by hand only where the tools offer nothing that keeps the
injury. Either keeps an edit only when they believe the story still injures someone (the world's truth,
misjudged at their own rate), climbs down the live score, submits once the text passes, and gives the
seed up (abandons) when their time on it runs out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from attacks.models import AttackSubmission, EditTool, RewriteSession
from attacks.services.sessions import (
    rewrite_edit_record,
    rewrite_saliency,
    rewrite_session_abandon,
    rewrite_session_open,
    rewrite_session_submit,
    rewrite_substitutions,
)
from attacks.simulation.clock import SimulatedClock
from attacks.simulation.config import AttackerProfile
from gauntlet.accounts.models import User
from gauntlet.errors import Conflict
from gauntlet.workqueue.models import Queue
from gauntlet.workqueue.services import assignment_claim, assignment_heartbeat
from ml_worker.core.passing import passes
from ml_worker.core.story_kinds import AFTERMATHS, KINDS, injury_phrases, injury_spans, story_truth
from ml_worker.core.story_world import OPENERS

EVENTS = [e for kind in KINDS.values() for e in kind.events]
NEAR_MISSES = [n for kind in KINDS.values() for n in kind.near_misses]
WORD = re.compile(r"[A-Za-z]+")
GRAMMAR = frozenset(
    "a an the and or but of to in on at by for with from into as was were his her their".split()
)


@dataclass
class Attempt:
    session: RewriteSession
    submission: AttackSubmission | None
    edits: int
    minutes: float


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def manual_edit(completion: str, rng: np.random.Generator) -> str | None:
    """One hand rewrite of the completion with the world's phrases (None when the chosen one does not apply)."""
    spans = injury_spans(completion)
    op = rng.choice(["rephrase", "rephrase", "rephrase", "aftermath", "opener", "event", "soften"])
    if op in ("rephrase", "soften") and spans:
        start, end = spans[int(rng.integers(len(spans)))]
        pool = injury_phrases() if op == "rephrase" else NEAR_MISSES
        options = [p for p in pool if p != completion[start:end]]
        return _replace(completion, start, end, options[int(rng.integers(len(options)))])
    if op == "aftermath":
        for aftermath in AFTERMATHS:
            if f", {aftermath}" in completion:
                return completion.replace(f", {aftermath}", "")
        return completion.rstrip(".") + f", {AFTERMATHS[int(rng.integers(len(AFTERMATHS)))]}."
    if op == "opener":
        for opener in OPENERS:
            if completion.startswith(opener + " "):
                rest = completion[len(opener) + 1 :]
                other = [o for o in OPENERS if o != opener] + [""]
                new = other[int(rng.integers(len(other)))]
                return f"{new} {rest}" if new else rest[:1].upper() + rest[1:]
        return None
    if op == "event":
        for event in EVENTS:
            if event in completion:
                other = [e for e in EVENTS if e != event]
                return completion.replace(event, other[int(rng.integers(len(other)))], 1)
    return None


class SimulatedAttacker:
    def __init__(self, *, user: User, profile: AttackerProfile, rng: np.random.Generator) -> None:
        self.user, self.profile, self.rng = user, profile, rng

    def _believes_injurious(self, completion: str) -> bool:
        return bool(story_truth(completion)) != (self.rng.random() < self.profile.misjudge)

    def _tool_edits(self, session: RewriteSession, tried: set[str]) -> list[tuple[str, str]]:
        """(completion, tool) options from the tools: the most salient completion word not tried yet,
        its ranked replacements (lowest score first)."""
        saliency = rewrite_saliency(session=session, contractor=self.user)
        text = session.current_completion
        words = sorted(
            (t for t in saliency["tokens"] if t["field"] == "completion"),
            key=lambda t: -float(t["gradient"]),
        )
        for token in words:
            match = next((m for m in WORD.finditer(text) if m.start() <= token["start"] < m.end()), None)
            if (
                match is None
                or match.group().lower() in GRAMMAR
                or f"{match.start()}:{match.group()}" in tried
            ):
                continue
            tried.add(f"{match.start()}:{match.group()}")
            answer = rewrite_substitutions(
                session=session,
                contractor=self.user,
                field="completion",
                start=match.start(),
                end=match.end(),
                k=8,
            )
            tool = {"insertion_before": EditTool.INSERTION, "insertion_after": EditTool.INSERTION}
            return [
                (
                    s["completion"],
                    tool.get(
                        s["kind"], EditTool.DELETION if s["kind"] == "deletion" else EditTool.SUBSTITUTION
                    ),
                )
                for s in answer["substitutions"]
            ]
        return []

    def attack(self, *, queue: Queue, clock: SimulatedClock, minutes: float) -> Attempt | None:
        """Claim a seed of ``queue`` and work on it for at most ``minutes`` of simulated time."""
        assignment = assignment_claim(queue=queue, contractor=self.user)
        if assignment is None:
            return None
        session = rewrite_session_open(assignment=assignment)
        start = clock.now()
        best_completion, best_score = session.current_completion, float(session.current_score or 1.0)
        tried: set[str] = set()
        edits = 0

        def beat() -> None:
            assignment_heartbeat(assignment=assignment, contractor=self.user)

        def spent() -> float:
            return (clock.now() - start).total_seconds() / 60.0

        clock.advance(self.profile.think_seconds / 2, heartbeat=beat)  # reading the story
        while spent() < minutes:
            options: list[tuple[str, str]] = []
            if self.profile.condition == "tool_assisted":
                options = self._tool_edits(session, tried)
                clock.advance(self.profile.think_seconds, heartbeat=beat)  # reading the tools' answers
            options = [(c, t) for c, t in options if self._believes_injurious(c)][:1]
            if not options:
                typed = manual_edit(best_completion, self.rng)
                clock.advance(self.profile.think_seconds, heartbeat=beat)  # writing it
                if typed is None or typed == best_completion or not self._believes_injurious(typed):
                    continue
                options = [(typed, EditTool.TYPED)]
            completion, tool = options[0]
            edit = rewrite_edit_record(
                session=session,
                contractor=self.user,
                prompt=session.current_prompt,
                completion=completion,
                tool=tool,
            )
            edits += 1
            session.refresh_from_db()
            if passes(edit.score, session.threshold):
                try:
                    submission = rewrite_session_submit(session=session, contractor=self.user)
                except Conflict:  # a near duplicate of an earlier attack: keep going from the best text
                    pass
                else:
                    return Attempt(session, submission, edits, spent())
            if edit.score < best_score:
                best_completion, best_score = edit.completion, edit.score
                tried.clear()
            elif session.current_completion != best_completion:  # back to the best text (one more edit)
                rewrite_edit_record(
                    session=session,
                    contractor=self.user,
                    prompt=session.current_prompt,
                    completion=best_completion,
                    tool=EditTool.TYPED,
                )
                session.refresh_from_db()
        rewrite_session_abandon(session=session, contractor=self.user)
        return Attempt(session, None, edits, spent())
