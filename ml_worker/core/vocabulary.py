"""Whole-word views of a tokenizer's vocabulary, and word-level text edits.

Substitution and paraphrase candidates must be real words, not sub-word pieces ("##ing"), special tokens
or placeholders ("[unused17]"). Pure functions; `embedding_index` results are cached per embedding layer.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

# Markers that open a word in the three common sub-word schemes; WordPiece instead marks continuations.
_WORD_START = ("\u2581", "\u0120")  # SentencePiece "▁", byte-level BPE "Ġ"


def whole_word_tokens(tokenizer: PreTrainedTokenizerBase) -> tuple[list[int], list[str]]:
    """(token ids, words) of vocabulary entries that are whole ASCII-alphabetic words, sorted by id."""
    vocab = tokenizer.get_vocab()
    special = set(tokenizer.all_special_ids)
    wordpiece = any(token.startswith("##") for token in vocab)
    ids, words = [], []
    for token, token_id in sorted(vocab.items(), key=lambda item: item[1]):
        if token_id in special:
            continue
        if wordpiece:
            word = token if not token.startswith("##") else ""
        else:
            word = token[1:] if token.startswith(_WORD_START) else ""
        # isalpha() drops "[unused3]", digits and punctuation; isascii() drops the CJK and accented
        # characters a multilingual-ready vocabulary carries but an English story never needs.
        if word and word.isascii() and word.isalpha():
            ids.append(token_id)
            words.append(word)
    return ids, words


@dataclass(frozen=True)
class EmbeddingIndex:
    """Whole-word rows of an input-embedding matrix, raw and L2-normalised (for cosine neighbours)."""

    token_ids: torch.Tensor  # (n,) long, on the embedding's device
    words: list[str]
    vectors: torch.Tensor  # (n, d) fp32
    unit_vectors: torch.Tensor  # (n, d) fp32, rows of norm 1


_INDEX_CACHE: weakref.WeakKeyDictionary[torch.nn.Module, tuple[tuple[int, int], EmbeddingIndex]] = (
    weakref.WeakKeyDictionary()
)


def embedding_index(tokenizer: PreTrainedTokenizerBase, embedding: torch.nn.Module) -> EmbeddingIndex:
    """The whole-word EmbeddingIndex for this tokenizer and embedding layer, cached per layer.

    The cache entry is rebuilt when the weight tensor is replaced or modified in place (tensor version
    counter), so an index never describes stale weights.
    """
    weight = embedding.weight
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"{type(embedding).__name__} has no weight matrix")
    stamp = (weight.data_ptr(), weight._version)
    cached = _INDEX_CACHE.get(embedding)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    ids, words = whole_word_tokens(tokenizer)
    kept = [(i, w) for i, w in zip(ids, words, strict=True) if i < weight.shape[0]]
    token_ids = torch.tensor([i for i, _ in kept], dtype=torch.long, device=weight.device)
    with torch.no_grad():
        vectors = weight[token_ids].float()
        unit = vectors / vectors.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    index = EmbeddingIndex(token_ids, [w for _, w in kept], vectors, unit)
    _INDEX_CACHE[embedding] = (stamp, index)
    return index


def expand_to_word(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow [start, end) to whole words: a selected sub-word piece ("##ed") selects its word ("bruised")."""
    if not 0 <= start < end <= len(text):
        raise ValueError(
            f"span [{start}, {end}) does not lie within the text (length {len(text)}); need 0 <= start < end"
        )
    if not text[start:end].strip():
        raise ValueError(f"span [{start}, {end}) selects only whitespace")
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def match_case(word: str, model: str) -> str:
    """`word` in the capitalisation of `model`: "injured" for "HURT" gives "INJURED", for "Hurt" "Injured"."""
    if len(model) > 1 and model.isupper():
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def replace_span(text: str, start: int, end: int, replacement: str) -> str:
    """`text` with [start, end) replaced; an empty replacement also removes one now-doubled space."""
    if replacement:
        return text[:start] + replacement + text[end:]
    before, after = text[:start], text[end:]
    if before.endswith(" ") and (not after or after[0] in " .,;:!?"):
        before = before[:-1]
    elif not before and after.startswith(" "):
        after = after[1:]
    return before + after
