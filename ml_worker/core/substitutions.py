"""Word substitutions for the rewrite tool, sorted by the classifier score they produce.

For one selected word the tool proposes replacements, insertions next to it and its deletion. Candidates
are pre-ranked cheaply, kept only when the edited sentence still means nearly the same (MiniLM sentence
similarity to the original >= `min_similarity`, the constraint TextAttack's recipes put on word swaps),
then the best `candidate_pool` are re-scored *exactly* by the classifier in one batched forward pass, and
the list is sorted by that exact P(injurious), lowest first.

Pre-ranking, two ways:
- with a masked LM (BERT-Attack style): mask the word (or a slot beside it) and take the LM's most likely
  whole words, so suggestions read fluently;
- without one: whole *dictionary* words (``vocabulary.dictionary_words``: no fragments, no names) that
  mean nearly the same (``lexicon.Lexicon``: MiniLM word vectors), in a compatible inflection; those the
  classifier reads as one token are ranked by the first-order (HotFlip) estimate of the change in the
  injurious logit, (e_candidate - e_word) . d logit / d e_word, the rest follow in thesaurus order;
  insertions are adverbs and adjectives (``vocabulary.MODIFIERS``) ranked by e_candidate . d logit / d e_word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from ml_worker.core.classifier import InjuryClassifier, completion_lengths, completion_token_limit, pad_batch
from ml_worker.core.device import inference_autocast, pick_device
from ml_worker.core.lexicon import Lexicon, shared_lexicon
from ml_worker.core.saliency import FIELDS, Field, embedding_gradients
from ml_worker.core.similarity import SentenceEncoder, shared_encoder
from ml_worker.core.vocabulary import (
    embedding_index,
    expand_to_word,
    match_case,
    replace_span,
    whole_word_tokens,
)

Kind = Literal["substitution", "insertion_before", "insertion_after", "deletion"]
Candidate = tuple[str, Kind, float | None]  # (word, kind, pre-ranking estimate)
Pair = tuple[str, str]
Edit = tuple[str, Kind, float | None]  # (word as shown, kind, pre-ranking estimate)
# Pre-ranked candidates generated per re-scored one: the similarity constraint drops some.
OVERSAMPLE = 2


@dataclass(frozen=True)
class Suggestion:
    text: str  # the word put in ('' for a deletion)
    kind: Kind
    prompt: str  # the full edited pair
    completion: str
    score: float  # exact P(injurious) of the edited pair
    estimate: float | None  # pre-ranking value: first-order logit change, or masked-LM log-probability
    similarity: float | None = None  # sentence similarity of the edited text to the original (if checked)


@dataclass(frozen=True)
class SubstitutionResult:
    field: Field
    start: int  # the edited word's span (the selection grown to whole words)
    end: int
    word: str
    original_score: float  # P(injurious) of the unedited pair, from the same forward pass
    suggestions: list[Suggestion]  # at most k, ascending score (largest decrease first)


@dataclass(eq=False)
class MaskedLM:
    """A masked language model and its tokenizer, loaded once and reused across requests."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    device: torch.device

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None) -> MaskedLM:
        """Load an AutoModelForMaskedLM directory (local files only) in eval mode."""
        directory = Path(path)
        if not directory.is_dir():
            raise FileNotFoundError(f"masked LM directory {directory} does not exist")
        target = pick_device(device)
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        tokenizer.truncation_side = "left"
        model = AutoModelForMaskedLM.from_pretrained(directory, local_files_only=True)
        return cls(model.to(target).eval(), tokenizer, target)

    @cached_property
    def whole_words(self) -> tuple[torch.Tensor, list[str]]:
        """(token ids on the model's device, words) of the whole-word vocabulary entries:
        what a masked slot may be filled with. Built once per loaded model."""
        ids, words = whole_word_tokens(self.tokenizer)
        return torch.tensor(ids, device=self.device), words


def _budget(candidate_pool: int) -> tuple[int, int]:
    """(substitutions, insertions per side) for a pool that also holds one deletion."""
    insertions = max(1, (candidate_pool - 1) // 4)
    return max(1, candidate_pool - 1 - 2 * insertions), insertions


def _embedding_candidates(
    clf: InjuryClassifier,
    pair: tuple[str, str],
    field: Field,
    start: int,
    end: int,
    word: str,
    candidate_pool: int,
    neighbourhood: int,
    lexicon: Lexicon,
) -> list[Candidate]:
    encoding = clf.encode([pair], return_offsets_mapping=True)
    sequence = FIELDS.index(field)
    positions = [
        i
        for i, (seq, (s, e)) in enumerate(
            zip(encoding.sequence_ids(0), encoding["offset_mapping"][0], strict=True)
        )
        if seq == sequence and s < end and e > start
    ]
    if not positions:
        raise ValueError(
            f"the word {word!r} was truncated away (max_length={clf.max_length}); it has no effect"
        )
    embeddings, gradients, _ = embedding_gradients(
        clf, pad_batch(encoding, [0], clf.tokenizer.pad_token_id or 0)
    )
    # A word of several pieces is treated as one slot: its mean embedding and mean gradient.
    e_word = embeddings[0, positions].mean(dim=0)
    grad = gradients[0, positions].mean(dim=0)
    index = embedding_index(clf.tokenizer, clf.model.get_input_embeddings())
    lower = word.lower()
    rows_of = index.positions
    neighbours = [w for w, _ in lexicon.neighbours(lower, neighbourhood)]
    # Neighbours the classifier reads as one whole word get the HotFlip estimate and go first, best first;
    # the others (several pieces for this tokenizer) follow in thesaurus order, estimate None.
    known = [rows_of[w] for w in neighbours if w in rows_of]
    n_sub, n_ins = _budget(candidate_pool)
    candidates: list[Candidate] = []
    if known:
        rows = torch.tensor(known, device=index.vectors.device)
        change = (index.vectors[rows] - e_word) @ grad  # first-order change of the injurious logit
        candidates = [
            (index.words[known[i]], "substitution", float(change[i])) for i in change.argsort().tolist()
        ]
    candidates += [(w, "substitution", None) for w in neighbours if w not in rows_of]
    candidates = candidates[:n_sub]
    modifiers = index.modifier.nonzero().flatten()
    insertion_gain = index.vectors[modifiers] @ grad
    sides: tuple[Kind, Kind] = ("insertion_before", "insertion_after")
    for i in insertion_gain.argsort()[: n_ins + 1].tolist():
        inserted = index.words[int(modifiers[i])]
        if inserted != lower:
            candidates += [(inserted, side, float(insertion_gain[i])) for side in sides]
    return candidates


def _trim(edits: dict[Pair, Edit], candidate_pool: int) -> dict[Pair, Edit]:
    """At most the budget of each kind, first (best pre-ranked) first."""
    n_sub, n_ins = _budget(candidate_pool)
    budget = {"substitution": n_sub, "insertion_before": n_ins, "insertion_after": n_ins, "deletion": 1}
    kept: dict[Pair, Edit] = {}
    for pair, edit in edits.items():
        if budget[edit[1]] > 0:
            budget[edit[1]] -= 1
            kept[pair] = edit
    return kept


def _similar_enough(
    edits: dict[Pair, Edit],
    encoder: SentenceEncoder,
    text: str,
    index: int,
    min_similarity: float,
    candidate_pool: int,
) -> tuple[dict[Pair, Edit], dict[Pair, float]]:
    """The edits (in pre-ranked order) whose edited text keeps ``min_similarity`` to ``text``, checked
    lazily: each kind's candidates in order, only as many as its share of the pool still lacks, so what
    :func:`_trim` keeps is what checking every candidate would give, for one encoder pass of about the
    pool's size when most edits pass (a one-word edit nearly always does) instead of the oversampled all."""
    n_sub, n_ins = _budget(candidate_pool)
    lacking = {"substitution": n_sub, "insertion_before": n_ins, "insertion_after": n_ins, "deletion": 1}
    waiting = {kind: [pair for pair, edit in edits.items() if edit[1] == kind] for kind in lacking}
    original: np.ndarray | None = None
    similarities: dict[Pair, float] = {}
    while True:
        batch = [pair for kind, pairs in waiting.items() for pair in pairs[: lacking[kind]]]
        if not batch:
            break
        for kind in waiting:
            waiting[kind] = waiting[kind][lacking[kind] :]
        vectors = encoder.encode(([text] if original is None else []) + [pair[index] for pair in batch])
        if original is None:
            original, vectors = vectors[0], vectors[1:]
        for pair, similarity in zip(batch, (vectors @ original).tolist(), strict=True):
            similarities[pair] = similarity
            if similarity >= min_similarity:
                lacking[edits[pair][1]] -= 1
    kept = {pair: edit for pair, edit in edits.items() if similarities.get(pair, -1.0) >= min_similarity}
    return kept, similarities


def _masked_lm_candidates(
    mlm: MaskedLM, pair: tuple[str, str], field: Field, start: int, end: int, word: str, candidate_pool: int
) -> list[Candidate]:
    text = pair[FIELDS.index(field)]
    mask = mlm.tokenizer.mask_token
    slots: list[tuple[Kind, str]] = [
        ("substitution", text[:start] + mask + text[end:]),
        ("insertion_before", text[:start] + mask + " " + text[start:]),
        ("insertion_after", text[:end] + " " + mask + text[end:]),
    ]
    pairs = [(masked, pair[1]) if field == "prompt" else (pair[0], masked) for _, masked in slots]
    limit = min(mlm.tokenizer.model_max_length, getattr(mlm.model.config, "max_position_embeddings", 512))
    batch = mlm.tokenizer(
        [p for p, _ in pairs],
        [c for _, c in pairs],
        truncation="only_first",
        max_length=limit,
        padding=True,
        return_tensors="pt",
    ).to(mlm.device)
    allowed, words = mlm.whole_words
    with torch.inference_mode(), inference_autocast(mlm.device):
        logits = mlm.model(**batch).logits.float()
    n_sub, n_ins = _budget(candidate_pool)
    candidates: list[Candidate] = []
    for row, (kind, _) in enumerate(slots):
        masks = (batch["input_ids"][row] == mlm.tokenizer.mask_token_id).nonzero().flatten().tolist()
        if not masks:  # the slot sat in a part of the prompt that truncation removed
            continue
        log_probs = logits[row, masks[0]].log_softmax(dim=-1)[allowed]
        wanted = n_sub if kind == "substitution" else n_ins
        top = log_probs.topk(min(wanted + 1, len(words)))
        picked = [(words[i], float(lp)) for lp, i in zip(top.values, top.indices.tolist(), strict=True)]
        candidates += [(w, kind, lp) for w, lp in picked if w != word.lower()][:wanted]
    return candidates


def suggest_substitutions(
    clf: InjuryClassifier,
    prompt: str,
    completion: str,
    *,
    field: Field,
    start: int,
    end: int,
    k: int = 10,
    masked_lm: MaskedLM | str | Path | None = None,
    candidate_pool: int = 64,
    neighbourhood: int = 20,
    min_similarity: float | None = 0.8,
    encoder: SentenceEncoder | None = None,
    lexicon: Lexicon | None = None,
) -> SubstitutionResult:
    """The k edits of the word at `field`[start:end] that lower P(injurious) most, exactly re-scored.

    `candidate_pool` bounds how many edits are re-scored (one forward pass of candidate_pool + 1 pairs);
    `neighbourhood` is how many thesaurus neighbours (`lexicon`, default: the bundled MiniLM's, built once
    per process) the embedding path pre-ranks. Edits whose text (the edited field) has a sentence
    similarity to the original below `min_similarity` are dropped before re-scoring (None: no constraint);
    `encoder` defaults to the bundled MiniLM, loaded once per process.
    A `masked_lm` path is loaded on every call: pass a loaded MaskedLM to reuse it. Raises ValueError for
    a span outside the text or a word that truncation removed. The classifier is put in eval mode;
    nothing is written.
    """
    if field not in FIELDS:
        raise ValueError(f"field must be 'prompt' or 'completion', got {field!r}")
    text = prompt if field == "prompt" else completion
    start, end = expand_to_word(text, start, end)
    word = text[start:end]
    # Generate more than the pool: the similarity constraint and the length limit drop some.
    generated = candidate_pool * OVERSAMPLE if min_similarity is not None else candidate_pool
    needs_encoder = min_similarity is not None or (masked_lm is None and lexicon is None)
    sentence_encoder = (
        encoder if encoder is not None or not needs_encoder else shared_encoder(str(clf.device))
    )
    if masked_lm is None:
        if lexicon is None:
            lexicon = shared_lexicon(sentence_encoder or shared_encoder(str(clf.device)))
        candidates = _embedding_candidates(
            clf, (prompt, completion), field, start, end, word, generated, neighbourhood, lexicon
        )
    else:
        mlm = masked_lm if isinstance(masked_lm, MaskedLM) else MaskedLM.load(masked_lm, clf.device)
        candidates = _masked_lm_candidates(mlm, (prompt, completion), field, start, end, word, generated)
    candidates.append(("", "deletion", None))

    edits: dict[Pair, Edit] = {}
    for candidate, kind, estimate in candidates:
        if kind == "insertion_after":  # mid-sentence: lower case unless the word is shouted
            shown = candidate.upper() if len(word) > 1 and word.isupper() else candidate
            edited = text[:end] + " " + shown + text[end:]
        elif kind == "insertion_before":  # takes the word's place, and its capitalisation
            shown = match_case(candidate, word)
            edited = text[:start] + shown + " " + text[start:]
        else:
            shown = match_case(candidate, word)
            edited = replace_span(text, start, end, shown)
        new_pair = (edited, completion) if field == "prompt" else (prompt, edited)
        if edited != text and new_pair not in edits:
            edits[new_pair] = (shown, kind, estimate)
    limit = completion_token_limit(clf.tokenizer, clf.max_length)
    lengths = completion_lengths(clf.tokenizer, [c for _, c in edits])
    # An edit that makes the completion too long for the classifier is dropped, not allowed to fail the batch.
    edits = {pair: edit for (pair, edit), n in zip(edits.items(), lengths, strict=True) if n <= limit}
    similarities: dict[Pair, float] = {}
    if min_similarity is not None and edits and sentence_encoder is not None:
        edits, similarities = _similar_enough(
            edits, sentence_encoder, text, FIELDS.index(field), min_similarity, candidate_pool
        )
    edits = _trim(edits, candidate_pool)
    # One batch: the original and all candidates go through the same forward pass.
    pairs = [(prompt, completion), *edits]
    scores = clf.score(pairs, batch_size=len(pairs))
    suggestions = [
        Suggestion(*edits[pair][:2], pair[0], pair[1], float(score), edits[pair][2], similarities.get(pair))
        for pair, score in zip(pairs[1:], scores[1:], strict=True)
    ]
    suggestions.sort(key=lambda s: s.score)
    return SubstitutionResult(field, start, end, word, float(scores[0]), suggestions[:k])
