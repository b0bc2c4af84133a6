"""Which dictionary words can stand in for a word: MiniLM word vectors over a whole-word dictionary.

A classifier's input-embedding neighbours are a poor thesaurus (MiniLM's nearest input embeddings to
"friend" include "private" and "profile"). The sentence encoder's embedding of a word on its own is a good
one ("friend": buddy, brother, mate, pal), the role counter-fitted word vectors play in TextAttack's
recipes. The vectors of every dictionary word in the encoder's vocabulary are computed once and cached on
disk per word (a few seconds of CPU on a quiet machine; ~13,000 words, 10 MB), keyed by the encoder.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml_worker.core.similarity import SentenceEncoder
from ml_worker.core.vocabulary import dictionary_words, inflection, same_lexeme, whole_word_tokens


def default_cache_dir() -> Path:
    """``$GAUNTLET_LEXICON_CACHE``, else ``$XDG_CACHE_HOME/gauntlet`` (``~/.cache/gauntlet``)."""
    explicit = os.environ.get("GAUNTLET_LEXICON_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gauntlet"


def agrees(candidate: str, word: str) -> bool:
    """Same inflection, or -ed against none (irregular pasts: "slipped" -> "fell")."""
    endings = {inflection(candidate), inflection(word)}
    return len(endings) == 1 or endings == {"ed", ""}


@dataclass(eq=False)
class Lexicon:
    """Dictionary words with unit vectors; `neighbours` answers the substitution tool's "instead of X"."""

    encoder: SentenceEncoder
    words: list[str]
    vectors: np.ndarray  # (n, d) float32 unit rows
    # Floor of word-vector cosine for a neighbour (TextAttack's WordEmbeddingDistance uses 0.5 on
    # counter-fitted vectors; MiniLM's single-word vectors are on a similar scale: "friend"/"pal" 0.52,
    # "friend"/"know" 0.49).
    min_similarity: float = 0.5

    @classmethod
    def build(
        cls, encoder: SentenceEncoder, cache_dir: Path | None = None, words: list[str] | None = None
    ) -> Lexicon:
        """`words` (default: the encoder's whole-word vocabulary ∩ `dictionary_words()`), embedded or
        read from the cache."""
        if words is None:
            _, vocabulary = whole_word_tokens(encoder.tokenizer)
            dictionary = dictionary_words()
            words = sorted({w for w in vocabulary if w in dictionary})
        words = sorted(set(words))
        key = hashlib.sha256(encoder.model.config.to_json_string().encode()).hexdigest()[:16]
        folder = cache_dir if cache_dir is not None else default_cache_dir()
        path = folder / f"lexicon-{key}.npz"
        known: dict[str, np.ndarray] = {}
        if path.exists():
            try:
                with np.load(path) as stored:
                    known = dict(zip(stored["words"].tolist(), stored["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                known = {}  # a torn or foreign file: recompute
        missing = [w for w in words if w not in known]
        if missing:
            # Vectors are cached per word, so a changed word list only embeds the words it adds.
            known.update(
                zip(missing, encoder.encode(missing, batch_size=512).astype(np.float16), strict=True)
            )
            try:
                folder.mkdir(parents=True, exist_ok=True)
                staging = folder / f"lexicon-{key}.{os.getpid()}.tmp.npz"
                names = sorted(known)
                np.savez(staging, words=np.array(names), vectors=np.stack([known[w] for w in names]))
                staging.replace(path)  # atomic: a concurrent reader sees the old file or the whole new one
            except OSError:
                pass  # a read-only home still works, only slower on the next start
        vectors = np.stack([known[w] for w in words]) if words else np.zeros((0, 1), dtype=np.float16)
        return cls(encoder, words, np.asarray(vectors, dtype=np.float32))

    def vector(self, word: str) -> np.ndarray:
        position = self._positions.get(word)
        if position is not None:
            return self.vectors[position]
        return self.encoder.encode([word])[0]

    def neighbours(self, word: str, n: int) -> list[tuple[str, float]]:
        """Up to n (word, cosine) most similar dictionary words, best first, in a compatible inflection,
        never a re-inflection of `word` itself ("burned" -> "burnt"), cosine >= `self.min_similarity`."""
        lower = word.lower()
        min_similarity = self.min_similarity
        similarity = self.vectors @ self.vector(lower)
        found: list[tuple[str, float]] = []
        for i in np.argsort(-similarity)[: n * 6 + 1].tolist():
            other = self.words[i]
            if similarity[i] < min_similarity:
                break
            if same_lexeme(other, lower) or not agrees(other, lower):
                continue
            found.append((other, float(similarity[i])))
            if len(found) == n:
                break
        return found

    @property
    def _positions(self) -> dict[str, int]:
        cached = self.__dict__.get("_position_map")
        if cached is None:
            cached = self.__dict__["_position_map"] = {w: i for i, w in enumerate(self.words)}
        return cached


_lexicons: dict[int, Lexicon] = {}
_lock = threading.Lock()


def shared_lexicon(encoder: SentenceEncoder, cache_dir: Path | None = None) -> Lexicon:
    """The Lexicon of `encoder`, built once per process (per encoder object)."""
    with _lock:
        lexicon = _lexicons.get(id(encoder))
        if lexicon is None or lexicon.encoder is not encoder:
            lexicon = _lexicons[id(encoder)] = Lexicon.build(encoder, cache_dir)
        return lexicon
