"""The generator interface: k sampled one-sentence completions per prompt, each with its seed.

Every completion records the seed it was sampled with and its index among the prompt's samples, so a
generation batch can say exactly how each of its Examples came to be (and the offline generator can be
re-run to the same text).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

KINDS = ("story_world", "hf", "http")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s)")


class GeneratorError(RuntimeError):
    """A generator could not be built or did not answer (bad settings, unreachable endpoint, ...)."""


@dataclass(frozen=True)
class GeneratedCompletion:
    prompt_index: int
    sample_index: int
    seed: int
    completion: str
    # Ground truth the generator itself knows (only the offline story-world generator does): 1 when it
    # composed an injury. Never shown to raters; tests and simulations check labels against it.
    intended_label: int | None = None


@runtime_checkable
class CompletionGenerator(Protocol):
    kind: str

    def settings(self) -> dict[str, Any]:
        """What to record in the batch's provenance (model, sampling settings)."""
        ...

    def generate(self, prompts: Sequence[str], k: int, seed: int) -> list[GeneratedCompletion]:
        """``k`` completions per prompt; the same arguments give the same completions where the backend
        allows (the offline and HF generators do; an HTTP server decides for itself)."""
        ...


def sample_seed(seed: int, prompt: str, sample_index: int) -> int:
    """The seed of one sample: fixed by the batch seed, the prompt text and the sample's index, so it
    does not depend on where in the batch the prompt sits."""
    digest = hashlib.sha256(f"{seed}\x1f{sample_index}\x1f{prompt}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def first_sentence(text: str, max_chars: int = 300) -> str:
    """The first sentence of a raw continuation, on one line (the task asks for one sentence)."""
    line = " ".join(text.strip().split())
    match = _SENTENCE_END.search(line + " ")
    sentence = line[: match.end()] if match else line
    return sentence[:max_chars].strip()
