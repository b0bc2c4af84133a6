"""Automatic paraphrase attacks: rewrite a completion, keep the prompt.

Three backends behind one Protocol: `lexical` (built in, offline), `hf` (a local seq2seq or causal LM
directory) and `http` (an OpenAI-compatible chat-completions server). `build_paraphraser` picks one from
settings, so configuration can name the backend as a string.
"""

from __future__ import annotations

from typing import Any

from ml_worker.core.paraphrasers.base import Paraphraser, ParaphraserError, few_shot_prompt
from ml_worker.core.paraphrasers.hf import HFParaphraser
from ml_worker.core.paraphrasers.http import HTTPParaphraser
from ml_worker.core.paraphrasers.lexical import LexicalParaphraser

__all__ = [
    "HFParaphraser",
    "HTTPParaphraser",
    "LexicalParaphraser",
    "Paraphraser",
    "ParaphraserError",
    "build_paraphraser",
    "few_shot_prompt",
]

KINDS = {"lexical": LexicalParaphraser, "hf": HFParaphraser, "http": HTTPParaphraser}


def build_paraphraser(kind: str, **settings: Any) -> Paraphraser:
    """A paraphraser of `kind` ("lexical", "hf" or "http") constructed with `settings` as keyword arguments.

    Loading a model (lexical, hf) happens here, once; reuse the returned object.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown paraphraser kind {kind!r}; expected one of {', '.join(sorted(KINDS))}")
    paraphraser: Paraphraser = KINDS[kind](**settings)
    return paraphraser
