"""Whole-word views of a tokenizer's vocabulary, and word-level text edits.

Substitution and paraphrase candidates must be real words, not sub-word pieces ("##ing"), special tokens
or placeholders ("[unused17]"), and for the rewrite tool dictionary words, not names or fragments ("jim",
"ge"). Pure functions; `embedding_index` results are cached per embedding layer, the dictionary per process.
"""

from __future__ import annotations

import functools
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
    modifier: torch.Tensor  # (n,) bool: the word is one of MODIFIERS (an insertion candidate)

    @functools.cached_property
    def positions(self) -> dict[str, int]:
        """Row of each word."""
        return {word: i for i, word in enumerate(self.words)}


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
    words = [w for _, w in kept]
    modifier = torch.tensor([w in MODIFIERS for w in words], dtype=torch.bool, device=weight.device)
    index = EmbeddingIndex(token_ids, words, vectors, unit, modifier)
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


# Words an insertion may put beside the selected one: adverbs and adjectives that modify a verb or a noun
# without changing who does what, so the sentence still reads as English. An open-vocabulary insertion
# (any word whose embedding moves the logit) proposes nouns mid-phrase ("his best bird friend").
MODIFIERS = frozenset(
    """
    almost nearly barely hardly slightly gently softly lightly quietly quickly slowly suddenly briefly
    really very quite rather just only still even also perhaps maybe probably apparently accidentally
    carefully carelessly clumsily awkwardly luckily finally eventually somehow nearly mostly partly
    little small tiny minor mild old young new big large long short bad good strange odd loose sharp
    hot cold wet dry heavy light rough smooth sore red bright dark tired happy sad brave poor kind
    """.split()
)


# Subtitles are full of two-letter chat and fragments ("ur", "ya"); these are the real ones.
_SHORT_WORDS = frozenset(
    "a i am an as at be by do go he if in is it me my no of oh on or ox so to up us we".split()
)


@functools.lru_cache(maxsize=4)
def dictionary_words(min_frequency: int = 1000) -> frozenset[str]:
    """Lower-case English dictionary words, inflected forms included, without proper names.

    The word list is pyspellchecker's English frequency dictionary (from subtitles, so it has "slipped" and
    "friends"), cut at `min_frequency` occurrences to drop fragments and typos ("ge" occurs 568 times,
    "sprained" 3,178). Proper names are dropped using Webster's Second (the english-words package): a word
    it lists only capitalised ("Jim") is a name, unless its singular is an ordinary word. Loaded once per
    process (about 2 s).
    """
    from english_words import get_english_words_set
    from spellchecker import SpellChecker

    frequencies = SpellChecker(language="en").word_frequency.dictionary
    webster = get_english_words_set(["web2"], lower=False, alpha=True)
    lower = {w for w in webster if w[:1].islower()}
    names = {w.lower() for w in webster if w[:1].isupper()} - lower
    return frozenset(
        word
        for word, count in frequencies.items()
        if count >= min_frequency
        and word.isascii()
        and word.isalpha()
        and (len(word) > 2 or word in _SHORT_WORDS)
        and (word not in names or word.removesuffix("s") in lower)
    )


def inflection(word: str) -> str:
    """The inflectional ending that grammar agrees with: -ing, -ed, -ly, plural/3rd-person -s, or none."""
    for suffix in ("ing", "ed", "ly"):
        if word.endswith(suffix):
            return suffix
    return "s" if word.endswith("s") and not word.endswith("ss") else ""


def same_lexeme(a: str, b: str) -> bool:
    """Whether two lower-case words look like forms of one word ("waved"/"waving", "bad"/"badly"): a
    replacement that only re-inflects the word changes the grammar, not the meaning."""
    return a[:3] == b[:3] or a in b or b in a
