"""An offline paraphraser: random word substitutions from an embedding neighbourhood, kept only when the
sentence meaning (MiniLM sentence similarity) stays close to the original."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from ml_worker.core.similarity import SentenceEncoder
from ml_worker.core.vocabulary import embedding_index, match_case

WORD = re.compile(r"[A-Za-z]+")
# Function words carry grammar, not content: swapping them mostly breaks the sentence.
STOPWORDS = frozenset(
    "the a an and or but if of to in on at by for with from into onto over under as is was were be been are "
    "he she it they we you i him her them us me his its their our your my this that these those there then "
    "than so not no yes do did does had has have will would could should can may might must just very".split()
)


class LexicalParaphraser:
    """Paraphrases by swapping 1..max_changes content words for input-embedding neighbours of the sentence
    encoder's vocabulary (whole words only, inflections of the same word excluded), keeping candidates whose
    sentence similarity to the original is >= min_similarity, most similar first.

    Deterministic for a given seed. May return fewer than k when few candidates pass the constraint.
    """

    def __init__(
        self,
        encoder: SentenceEncoder | None = None,
        *,
        encoder_path: str | Path | None = None,
        device: str | torch.device | None = None,
        min_similarity: float = 0.85,
        max_changes: int = 2,
        neighbours: int = 8,
        attempts: int = 48,
    ) -> None:
        self.encoder = encoder if encoder is not None else SentenceEncoder(encoder_path, device)
        self.min_similarity = min_similarity
        self.max_changes = max_changes
        self.neighbours = neighbours
        self.attempts = attempts
        self._index = embedding_index(self.encoder.tokenizer, self.encoder.model.get_input_embeddings())
        self._position = {word: i for i, word in enumerate(self._index.words)}

    def word_neighbours(self, word: str) -> list[str]:
        """Nearest whole words to `word` by input-embedding cosine, in the same inflection, minus its own
        other forms."""
        lower = word.lower()
        row = self._position.get(lower)
        if row is None:
            return []
        similarity = self._index.unit_vectors @ self._index.unit_vectors[row]
        found = []
        for i in similarity.topk(min(self.neighbours * 6 + 1, len(self._index.words))).indices.tolist():
            other = self._index.words[i]
            # A shared stem ("waved" -> "waving", "bad" -> "badly") only re-inflects the same word, and a
            # different inflection ending ("slipped" -> "slips") breaks the grammar: skip both.
            if other[:3] == lower[:3] or other in lower or lower in other:
                continue
            if _ending(other) != _ending(lower):
                continue
            found.append(other)
            if len(found) == self.neighbours:
                break
        return found

    def paraphrase(self, prompt: str, completion: str, k: int, seed: int) -> list[str]:
        """Up to k distinct rewrites of `completion` (the prompt is unused: meaning is judged sentence-wise).

        Among the candidates that pass the similarity constraint, the most similar one per set of edited
        words is taken first, so the k results change different words where they can.
        """
        spans = [
            m.span()
            for m in WORD.finditer(completion)
            if len(m.group()) > 2 and m.group().lower() not in STOPWORDS
        ]
        options = {span: self.word_neighbours(completion[span[0] : span[1]]) for span in spans}
        slots = sorted(span for span, words in options.items() if words)
        if not slots or k <= 0:
            return []
        rng = np.random.default_rng(seed)
        candidates: dict[str, frozenset[int]] = {}  # text -> the slots it edits
        for _ in range(self.attempts):
            changes = int(rng.integers(1, min(self.max_changes, len(slots)) + 1))
            chosen = sorted(rng.choice(len(slots), size=changes, replace=False).tolist(), reverse=True)
            text = completion
            for slot in chosen:  # right to left, so earlier offsets stay valid
                start, end = slots[slot]
                words = options[slots[slot]]
                text = (
                    text[:start]
                    + match_case(words[int(rng.integers(len(words)))], text[start:end])
                    + text[end:]
                )
            if text != completion:
                candidates.setdefault(text, frozenset(chosen))
        texts = list(candidates)
        vectors = self.encoder.encode([completion, *texts])
        similarity = (vectors[1:] @ vectors[0]).tolist()
        order = sorted(range(len(texts)), key=lambda i: (-similarity[i], texts[i]))
        first: list[str] = []  # the best rewrite for each distinct set of edited words
        rest: list[str] = []
        seen: set[frozenset[int]] = set()
        for i in order:
            if similarity[i] >= self.min_similarity:
                (rest if candidates[texts[i]] in seen else first).append(texts[i])
                seen.add(candidates[texts[i]])
        return (first + rest)[:k]


def _ending(word: str) -> str:
    """The inflectional ending that matters for agreement: -ing, -ed, -ly, plural/3rd-person -s, or none."""
    for suffix in ("ing", "ed", "ly"):
        if word.endswith(suffix):
            return suffix
    return "s" if word.endswith("s") and not word.endswith("ss") else ""
