"""A toy world for ML tests: a small vocabulary, a tiny BERT built from a config, separable stories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer, PreTrainedTokenizerBase

from ml_worker.core.training import TrainExample

NAMES = ["tom", "anna", "max", "lily", "sam", "ella"]
PLACES = ["park", "house", "garden", "river", "beach", "forest"]
SAFE_VERBS = ["smiled", "laughed", "sang", "waved", "danced", "rested", "cooked", "painted"]
INJURY_VERBS = ["hurt", "bled", "broke", "burned", "cut", "bruised", "stabbed", "fractured"]
OBJECTS = ["dog", "cat", "friend", "brother", "sister", "bird"]
FILLER = [
    "the",
    "a",
    "went",
    "to",
    "it",
    "was",
    "sunny",
    "and",
    "then",
    "with",
    "his",
    "her",
    "day",
    "warm",
    "quietly",
]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "[unused1]"]
PIECES = [".", ",", "!", "##s", "##ed", "##ly", "42"]
VOCAB = SPECIAL + PIECES + sorted(set(NAMES + PLACES + SAFE_VERBS + INJURY_VERBS + OBJECTS + FILLER))


def write_tokenizer(directory: Path) -> PreTrainedTokenizerBase:
    """A lower-casing WordPiece tokenizer over VOCAB, saved into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    vocab_file = directory / "vocab.txt"
    vocab_file.write_text("\n".join(VOCAB) + "\n")
    tokenizer = BertTokenizer(vocab=str(vocab_file))
    tokenizer.save_pretrained(directory)
    return tokenizer


def tiny_config(num_labels: int = 2) -> BertConfig:
    return BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
        num_labels=num_labels,
    )


def write_tiny_classifier(directory: Path, seed: int = 0) -> Path:
    """A randomly initialised 2-label tiny BERT + tokenizer saved as a normal HF checkpoint directory."""
    tokenizer = write_tokenizer(directory)
    torch.manual_seed(seed)
    model = BertForSequenceClassification(tiny_config())
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def toy_examples(
    n: int, seed: int, injurious_fraction: float = 0.5, source: str = "import"
) -> list[TrainExample]:
    """Stories whose completion is injurious exactly when its verb is one of INJURY_VERBS."""
    rng = np.random.default_rng(seed)
    examples = []
    for _ in range(n):
        name, other = rng.choice(NAMES, size=2, replace=False)
        label = int(rng.random() < injurious_fraction)
        verb = rng.choice(INJURY_VERBS if label else SAFE_VERBS)
        prompt = f"{name} went to the {rng.choice(PLACES)} . it was a {rng.choice(['sunny', 'warm'])} day ."
        completion = f"{other} {verb} the {rng.choice(OBJECTS)} ."
        examples.append(TrainExample(prompt, completion, label, source))
    return examples
