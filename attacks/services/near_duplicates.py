"""Near-duplicate control: nobody is paid twice for the same trick.

A new attack text is compared with every earlier submission of *every* author that has
not failed (pending, undecided or verified: two accounts, or two sessions, must not both
be verified and paid for one text; a failed attempt earned nothing, so trying again near
it is allowed) and with every adversarial example, by normalised edit similarity (1 -
normalised edit distance, ``ml_worker.core.similarity``) and, when
``GAUNTLET_NEAR_DUPLICATE_MAX_SENTENCE_SIMILARITY`` is set, MiniLM cosine similarity.

The check runs under a transaction-scoped lock (:func:`near_duplicate_lock`, taken by
:func:`near_duplicate_find`), held until the caller's transaction, which registers the new
submission, commits: two racing submits of one text take turns, and the second sees the
first. Verification checks again (``attacks.services.verification``) against the
adversarial examples verified meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from attacks.models import AdversarialExample, AttackSubmission, SubmissionStatus
from gauntlet.accounts.models import User
from ml_worker.core.similarity import normalized_edit_distance


def attack_text(prompt: str, completion: str) -> str:
    return f"{prompt}\n{completion}"


def edit_similarity(a: str, b: str) -> float:
    return 1.0 - float(normalized_edit_distance(a, b))


@dataclass(frozen=True)
class NearDuplicate:
    example_id: int
    kind: str  # "your earlier submission" / "an adversarial example"
    measure: str  # "edit" / "sentence"
    similarity: float
    threshold: float

    def message(self) -> str:
        name = "edit similarity" if self.measure == "edit" else "MiniLM sentence similarity"
        # Another author's pending work stays blind: no example id to go looking for.
        which = "" if self.kind == OTHER_SUBMISSION else f" (example {self.example_id})"
        return (
            f"This text is too close to {self.kind}{which}: {name} "
            f"{self.similarity:.3f} exceeds the limit {self.threshold:.3f}. Find a different trick."
        )


OWN_SUBMISSION = "your earlier submission"
OTHER_SUBMISSION = "an attack already awaiting verification"
ADVERSARIAL = "an adversarial example"
# Any constant unique to this lock (pg_advisory_xact_lock's key space is shared by the project).
_NEAR_DUPLICATE_LOCK_KEY = 0x6E64_7570  # "ndup"


def near_duplicate_lock() -> None:
    """Serialise near-duplicate checks until the caller's transaction ends (PostgreSQL; SQLite
    serialises writers anyway). Re-entrant within one transaction."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NEAR_DUPLICATE_LOCK_KEY])


def near_duplicate_candidates(
    *, author: User | None, exclude_example_id: int | None = None
) -> list[tuple[int, str, str]]:
    """What a new text by ``author`` (None: nobody's, e.g. a paraphrase) is compared with:
    ``(example id, kind, text)`` per earlier text: every adversarial example and every author's
    submission that has not failed. ``exclude_example_id``: the text being checked itself."""
    rows: dict[int, tuple[str, str]] = {}
    for example_id, prompt, completion in AdversarialExample.objects.values_list(
        "example_id", "example__prompt", "example__completion"
    ):
        rows[example_id] = (ADVERSARIAL, attack_text(prompt, completion))
    for example_id, author_id, prompt, completion in AttackSubmission.objects.exclude(
        status=SubmissionStatus.FAILED
    ).values_list("example_id", "author_id", "example__prompt", "example__completion"):
        own = author is not None and author_id == author.pk
        rows.setdefault(
            example_id, (OWN_SUBMISSION if own else OTHER_SUBMISSION, attack_text(prompt, completion))
        )
    rows.pop(exclude_example_id or 0, None)
    return [(pk, kind, text) for pk, (kind, text) in sorted(rows.items())]


def near_duplicate_find(
    *, prompt: str, completion: str, author: User | None, candidates: list[tuple[int, str, str]] | None = None
) -> NearDuplicate | None:
    """The first earlier text the new one is too close to, or None. ``candidates``: the
    :func:`near_duplicate_candidates` of ``author``, when the caller checks many texts.

    Takes :func:`near_duplicate_lock` first, so inside a transaction that then registers the
    text, no other check can pass the same text until this one commits."""
    near_duplicate_lock()
    text = attack_text(prompt, completion)
    max_edit = float(settings.GAUNTLET_NEAR_DUPLICATE_MAX_EDIT_SIMILARITY)
    if candidates is None:
        candidates = near_duplicate_candidates(author=author)
    for example_id, kind, other in candidates:
        # Edit distance is at least the length difference: skip pairs that cannot be close.
        if 1.0 - abs(len(text) - len(other)) / max(len(text), len(other), 1) <= max_edit:
            continue
        similarity = edit_similarity(text, other)
        if similarity > max_edit:
            return NearDuplicate(example_id, kind, "edit", similarity, max_edit)
    max_sentence = settings.GAUNTLET_NEAR_DUPLICATE_MAX_SENTENCE_SIMILARITY
    if max_sentence is not None and candidates:
        from ml_worker.core.similarity import SentenceEncoder

        encoder = _encoder(SentenceEncoder)
        vectors = encoder.encode([text] + [other for _, _, other in candidates])
        sims = vectors[1:] @ vectors[0]
        best = int(sims.argmax())
        if float(sims[best]) > float(max_sentence):
            example_id, kind, _ = candidates[best]
            return NearDuplicate(example_id, kind, "sentence", float(sims[best]), float(max_sentence))
    return None


_ENCODER: Any = None


def _encoder(factory: type) -> Any:
    """One MiniLM sentence encoder per process (loading it costs a second)."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = factory()
    return _ENCODER
