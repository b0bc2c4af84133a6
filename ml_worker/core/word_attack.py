"""An automated attack: greedy word-importance ranking (TextFooler / TextAttack's greedy-WIR recipe).

Words of the completion are ranked once by saliency (the largest gradient norm of the injurious logit over
a word's tokens); in that order each word is offered the substitution tool's ranked edits (dictionary
replacements, modifier insertions, its deletion, each exactly re-scored) and the edit that lowers the score
most is kept if it lowers it at all and the whole completion still has MiniLM sentence similarity >=
`min_similarity` to the *original* completion. The attack stops when the score falls below the threshold,
after `max_changes` kept edits, or when the query budget (pairs the classifier scored) is spent.

A result below the threshold is a *candidate*: whether it is still injurious is for human verifiers to say,
never assumed. Pure function of its inputs (no randomness); nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.lexicon import Lexicon
from ml_worker.core.passing import passes
from ml_worker.core.saliency import saliency_and_score
from ml_worker.core.similarity import SentenceEncoder, shared_encoder
from ml_worker.core.substitutions import Suggestion, suggest_substitutions

WORD = re.compile(r"[A-Za-z]+")
# Grammar words: editing them rarely changes the classifier's mind and often breaks the sentence.
SKIP = frozenset(
    "a an the and or but of to in on at by for with from into onto as is was were be been it its he she "
    "they them his her their who which that this than so".split()
)


@dataclass(frozen=True)
class AttackConfig:
    query_budget: int = 200  # most (prompt, completion) pairs the classifier may score per example
    max_changes: int = 4  # most kept edits (TextAttack caps the share of words modified)
    min_similarity: float = 0.8  # sentence similarity of the final completion to the original
    candidates_per_word: int = 16  # edits re-scored per visited word (the substitution tool's pool)


@dataclass(frozen=True)
class AttackStep:
    word: str  # the word visited
    kind: str  # substitution | insertion_before | insertion_after | deletion
    text: str  # what was put in ('' for a deletion)
    score: float  # P(injurious) after the edit
    similarity: float


@dataclass(frozen=True)
class AttackResult:
    prompt: str
    completion: str  # the final completion (the original when nothing helped)
    original_score: float
    score: float
    queries: int  # pairs the classifier scored, saliency's forward included
    succeeded: bool  # the final text passes (ml_worker.core.passing)
    similarity: float  # of the final completion to the original
    steps: list[AttackStep] = field(default_factory=list)


def _word_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in WORD.finditer(text) if m.group().lower() not in SKIP]


def greedy_word_attack(
    clf: InjuryClassifier,
    prompt: str,
    completion: str,
    *,
    threshold: float,
    config: AttackConfig | None = None,
    encoder: SentenceEncoder | None = None,
    lexicon: Lexicon | None = None,
) -> AttackResult:
    """Attack one injurious pair's completion; see the module docstring. Raises ValueError for a
    completion too long for the classifier."""
    config = config or AttackConfig()
    encoder = encoder if encoder is not None else shared_encoder(str(clf.device))
    tokens, original_score = saliency_and_score(clf, prompt, completion)
    queries = 1
    # Rank the original words by their most salient token (saliency is computed once, as in greedy-WIR).
    spans = _word_spans(completion)
    importance = [
        max(
            (t.gradient for t in tokens if t.field == "completion" and t.start < e and t.end > s), default=0.0
        )
        for s, e in spans
    ]
    order = sorted(range(len(spans)), key=lambda i: -importance[i])
    original_vector = encoder.encode([completion])[0]
    current, score, similarity = completion, original_score, 1.0
    steps: list[AttackStep] = []
    # Each original word's current character span; edits shift the spans after them.
    where: dict[int, tuple[int, int]] = dict(enumerate(spans))
    for word_id in order:
        if passes(score, threshold) or len(steps) >= config.max_changes:
            break
        if queries + config.candidates_per_word + 1 > config.query_budget:
            break
        if word_id not in where:
            continue
        start, end = where[word_id]
        result = suggest_substitutions(
            clf,
            prompt,
            current,
            field="completion",
            start=start,
            end=end,
            k=config.candidates_per_word,
            candidate_pool=config.candidates_per_word,
            min_similarity=None,  # checked against the original below, not against the current text
            encoder=encoder,
            lexicon=lexicon,
        )
        queries += len(result.suggestions) + 1
        better = [s for s in result.suggestions if s.score < score]
        if not better:
            continue
        vectors = encoder.encode([s.completion for s in better])
        kept: list[tuple[Suggestion, float]] = [
            (s, float(v @ original_vector)) for s, v in zip(better, vectors, strict=True)
        ]
        kept = [(s, sim) for s, sim in kept if sim >= config.min_similarity]
        if not kept:
            continue
        best, best_similarity = min(kept, key=lambda pair: pair[0].score)
        steps.append(AttackStep(result.word, best.kind, best.text, best.score, best_similarity))
        delta = len(best.completion) - len(current)
        where = {other: (s + delta, e + delta) if s >= end else (s, e) for other, (s, e) in where.items()}
        if best.kind == "deletion":
            del where[word_id]
        elif best.kind == "substitution":
            where[word_id] = (start, start + len(best.text))
        elif best.kind == "insertion_before":
            where[word_id] = (start + len(best.text) + 1, end + len(best.text) + 1)
        current, score, similarity = best.completion, best.score, best_similarity
    return AttackResult(
        prompt=prompt,
        completion=current,
        original_score=original_score,
        score=score,
        queries=queries,
        succeeded=passes(score, threshold),
        similarity=similarity,
        steps=steps,
    )
