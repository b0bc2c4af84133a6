"""Paraphrasers for attack batches, used when ``ml_worker.core.paraphrasers`` is not installed.

The smallest honest versions of the three pluggable kinds, all ``paraphrase(text, k, context) -> list[str]``:

- :class:`LexicalParaphraser` (offline): word swaps from a small synonym table and dropped
  adverbs, kept only while the result stays close to the original (edit similarity; MiniLM
  sentence similarity when the encoder is available);
- :class:`HFParaphraser`: a Hugging Face seq2seq or causal LM directory, sampled with a few-shot prompt;
- :class:`HTTPParaphraser`: an OpenAI-compatible ``/chat/completions`` endpoint.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any, Protocol

FEW_SHOT = (
    "Rewrite the sentence with the same meaning in different words.\n"
    "Sentence: The boy fell off his bike and scraped his knee.\n"
    "Rewrite: The kid tumbled from his bicycle, grazing his knee.\n"
    "Sentence: She slammed the door on his fingers.\n"
    "Rewrite: She shut the door hard on his hand.\n"
)

SYNONYMS: dict[str, list[str]] = {
    "hurt": ["injured", "harmed", "wounded"], "cut": ["sliced", "gashed"], "broke": ["fractured", "snapped"],
    "burned": ["scorched", "scalded"], "hit": ["struck", "smacked"], "dog": ["puppy", "hound"],
    "cat": ["kitten"], "friend": ["pal", "buddy"], "fell": ["tumbled", "dropped"], "bled": ["was bleeding"],
    "stabbed": ["knifed", "pierced"], "bruised": ["battered"], "kicked": ["booted"], "big": ["large"],
    "small": ["little"], "quickly": ["fast", "swiftly"], "the": ["that"], "boy": ["kid", "lad"],
    "girl": ["kid", "lass"], "man": ["guy", "fellow"], "woman": ["lady"], "then": ["next", "after that"],
}  # fmt: skip
DROPPABLE = {"quietly", "suddenly", "really", "very", "then", "just", "badly"}


class Paraphraser(Protocol):
    def paraphrase(self, text: str, k: int, context: str = "") -> list[str]: ...


def _edit_similarity(a: str, b: str) -> float:
    from attacks.services.near_duplicates import edit_similarity

    return edit_similarity(a, b)


class LexicalParaphraser:
    """Constrained lexical search: every combination of synonym swaps and adverb drops, closest first."""

    def __init__(self, min_similarity: float = 0.5, seed: int = 0) -> None:
        self.min_similarity = min_similarity
        self.rng = random.Random(seed)  # noqa: S311 - sampling text, not security

    def paraphrase(self, text: str, k: int, context: str = "") -> list[str]:
        words = text.split()
        options = []
        for word in words:
            core = word.lower().strip(".,!?")
            choices = [word] + [s for s in SYNONYMS.get(core, [])]
            if core in DROPPABLE:
                choices.append("")
            options.append(choices)
        variants: list[str] = []
        for combo in itertools.islice(itertools.product(*options), 1, 5000):
            candidate = " ".join(w for w in combo if w)
            if candidate != text and _edit_similarity(candidate, text) >= self.min_similarity:
                variants.append(candidate)
        self.rng.shuffle(variants)
        return variants[:k]


class HFParaphraser:
    """A local HF model directory (seq2seq or causal), sampled ``k`` times with a few-shot prompt."""

    def __init__(self, path: str, max_new_tokens: int = 40, seed: int = 0) -> None:
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        directory = Path(path)
        if not directory.is_dir():
            raise FileNotFoundError(
                f"paraphrase model directory {directory} does not exist (nothing is downloaded)"
            )
        config = AutoConfig.from_pretrained(directory, local_files_only=True)
        self.seq2seq = bool(getattr(config, "is_encoder_decoder", False))
        loader = AutoModelForSeq2SeqLM if self.seq2seq else AutoModelForCausalLM
        self.tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self.model = loader.from_pretrained(directory, local_files_only=True).eval()
        self.max_new_tokens = max_new_tokens
        self.seed = seed

    def paraphrase(self, text: str, k: int, context: str = "") -> list[str]:
        import torch

        prompt = f"{FEW_SHOT}Sentence: {text}\nRewrite:"
        inputs = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=self.seq2seq)
        inputs.pop("token_type_ids", None)
        torch.manual_seed(self.seed)
        with torch.inference_mode():
            output = self.model.generate(
                **inputs, do_sample=True, top_p=0.95, num_return_sequences=k, max_new_tokens=self.max_new_tokens,
                pad_token_id=self.tokenizer.pad_token_id or 0,
            )  # fmt: skip
        if not self.seq2seq:
            output = output[:, inputs["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        return [t.split("\n")[0].strip() for t in texts]


class HTTPParaphraser:
    """An OpenAI-compatible endpoint: ``POST {url}/chat/completions`` with ``n = k``."""

    def __init__(self, url: str, model: str = "default", api_key: str = "", timeout: float = 60.0) -> None:
        self.url, self.model, self.api_key, self.timeout = url.rstrip("/"), model, api_key, timeout

    def paraphrase(self, text: str, k: int, context: str = "") -> list[str]:
        import requests

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {
            "model": self.model,
            "n": k,
            "temperature": 1.0,
            "messages": [
                {"role": "system", "content": FEW_SHOT},
                {"role": "user", "content": f"Story so far: {context}\nSentence: {text}\nRewrite:"},
            ],
        }
        response = requests.post(
            f"{self.url}/chat/completions", json=body, headers=headers, timeout=self.timeout
        )
        response.raise_for_status()
        return [str(choice["message"]["content"]).strip() for choice in response.json().get("choices", [])]


def build_paraphraser(kind: str, **config: Any) -> Paraphraser:
    """The configured paraphraser (kind: lexical | hf | http)."""
    if kind == "lexical":
        return LexicalParaphraser(**config)
    if kind == "hf":
        return HFParaphraser(**config)
    if kind == "http":
        return HTTPParaphraser(**config)
    raise ValueError(f"unknown paraphraser {kind!r}")
