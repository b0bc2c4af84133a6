"""Choosing a generator by kind. Its own module: the generators import :mod:`.base`, so a factory
there would make base and every generator import each other."""

from __future__ import annotations

from typing import Any

from ml_worker.core.generation.base import KINDS, CompletionGenerator, GeneratorError


def build_generator(kind: str, **settings: Any) -> CompletionGenerator:
    """The generator of ``kind`` (``story_world``, ``hf`` with ``model_path``, ``http`` with ``base_url``
    and ``model``). Unknown kinds and missing settings raise GeneratorError naming what to fix."""
    try:
        if kind == "story_world":
            from ml_worker.core.generation.story import StoryWorldGenerator

            return StoryWorldGenerator(**settings)
        if kind == "hf":
            from ml_worker.core.generation.hf import HFCausalLMGenerator

            return HFCausalLMGenerator(**settings)
        if kind == "http":
            from ml_worker.core.generation.http import HTTPCompletionGenerator

            return HTTPCompletionGenerator(**settings)
    except TypeError as error:
        raise GeneratorError(f"bad settings for the {kind} generator: {error}") from error
    raise GeneratorError(f"unknown generator kind {kind!r}; choose from {', '.join(KINDS)}")
