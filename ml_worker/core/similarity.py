"""How close two texts are: sentence-embedding cosine similarity and normalised character edit distance.

Used to keep paraphrases and word substitutions on-meaning (similarity) and to report how much an attacker
changed (edit distance).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from ml_worker.core.classifier import default_backbone_path, length_sorted_batches, pad_batch
from ml_worker.core.device import inference_autocast, pick_device


class SentenceEncoder:
    """Sentence embeddings from a HF encoder by attention-masked mean pooling, L2-normalised.

    This is how all-MiniLM-L6-v2 was trained (sentence-transformers' mean pooling), so cosine similarity
    of its vectors is its intended similarity. Loads local files only; the model runs in eval mode.
    """

    def __init__(
        self, path: str | Path | None = None, device: str | torch.device | None = None, max_length: int = 256
    ) -> None:
        directory = Path(path) if path is not None else default_backbone_path()
        if not directory.is_dir():
            raise FileNotFoundError(f"sentence encoder directory {directory} does not exist")
        self.device = pick_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self.model = AutoModel.from_pretrained(directory, local_files_only=True).to(self.device).eval()
        self.max_length = max_length

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """(len(texts), hidden) float32 array of unit vectors, in input order (length-sorted batches)."""
        vectors = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        if not texts:
            return vectors
        encoding = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        lengths = [len(ids) for ids in encoding["input_ids"]]
        with torch.inference_mode():
            for indices in length_sorted_batches(lengths, batch_size):
                batch = {k: v.to(self.device) for k, v in pad_batch(encoding, indices, 0).items()}
                with inference_autocast(self.device):
                    hidden = self.model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).float()
                mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1.0)
                vectors[indices] = torch.nn.functional.normalize(mean, dim=-1).cpu().numpy()
        return vectors

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts' embeddings (1.0 = same meaning as far as the encoder can tell)."""
        first, second = self.encode([a, b])
        return float(first @ second)


@functools.lru_cache(maxsize=2)
def shared_encoder(device: str | None = None) -> SentenceEncoder:
    """The bundled MiniLM sentence encoder on `device`, loaded once per process and shared by callers
    (the substitution tool's similarity constraint, the automated attack). Never modified by them."""
    return SentenceEncoder(device=device)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Cosine similarity of two vectors (a float) or of every row of `a` with every row of `b` (a matrix)."""
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    a_unit = a64 / np.maximum(np.linalg.norm(a64, axis=-1, keepdims=True), 1e-12)
    b_unit = b64 / np.maximum(np.linalg.norm(b64, axis=-1, keepdims=True), 1e-12)
    if a_unit.ndim == 1 and b_unit.ndim == 1:
        return float(a_unit @ b_unit)
    return np.atleast_2d(a_unit) @ np.atleast_2d(b_unit).T


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance over characters (insertions, deletions, substitutions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a  # keep the DP row as short as the shorter string
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def normalized_edit_distance(a: str, b: str) -> float:
    """Levenshtein distance divided by the longer length: 0.0 identical, 1.0 nothing in common."""
    longest = max(len(a), len(b))
    return edit_distance(a, b) / longest if longest else 0.0
