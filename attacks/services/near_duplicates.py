"""Near-duplicate control: nobody is paid twice for the same trick.

A new attack text is compared with the author's earlier submissions (pending or
verified; a failed attempt earned nothing, so trying again near it is allowed) and
with every adversarial example, by normalised edit similarity (1 - normalised edit
distance, ``ml_worker.core.similarity``) and, when
``GAUNTLET_NEAR_DUPLICATE_MAX_SENTENCE_SIMILARITY`` is set, MiniLM cosine similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

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
        return (
            f"This text is too close to {self.kind} (example {self.example_id}): {name} "
            f"{self.similarity:.3f} exceeds the limit {self.threshold:.3f}. Find a different trick."
        )


def near_duplicate_candidates(*, author: User | None) -> list[tuple[int, str, str]]:
    """What a new text by ``author`` (None: nobody's, e.g. a paraphrase) is compared with:
    ``(example id, kind, text)`` per earlier text."""
    rows: dict[int, tuple[str, str]] = {}
    for example_id, prompt, completion in AdversarialExample.objects.values_list(
        "example_id", "example__prompt", "example__completion"
    ):
        rows[example_id] = ("an adversarial example", attack_text(prompt, completion))
    if author is not None:
        for example_id, prompt, completion in (
            AttackSubmission.objects.filter(author=author)
            .exclude(status=SubmissionStatus.FAILED)
            .values_list("example_id", "example__prompt", "example__completion")
        ):
            rows.setdefault(example_id, ("your earlier submission", attack_text(prompt, completion)))
    return [(pk, kind, text) for pk, (kind, text) in sorted(rows.items())]


def near_duplicate_find(
    *, prompt: str, completion: str, author: User | None, candidates: list[tuple[int, str, str]] | None = None
) -> NearDuplicate | None:
    """The first earlier text the new one is too close to, or None. ``candidates``: the
    :func:`near_duplicate_candidates` of ``author``, when the caller checks many texts."""
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
