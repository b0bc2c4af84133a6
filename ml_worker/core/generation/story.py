"""The offline generator: completions composed from the synthetic story world (no model, no network).

Each sample is injurious with probability ``injury_rate`` (the published programme's unfiltered
generator: ~2.4%), drawn from the sample's own seed, so the truth of every completion is known. The
completion is one the story world wrote for another prompt, retold about this prompt's protagonist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ml_worker.core.generation.base import GeneratedCompletion, GeneratorError, sample_seed
from ml_worker.core.story_world import synthetic_story_pairs


def story_prompts(n: int, seed: int = 0) -> list[str]:
    """``n`` three-sentence story prompts from the story world (distinct where the world allows)."""
    seen: dict[str, None] = {}
    for pair in synthetic_story_pairs(n * 2, seed=seed):
        seen.setdefault(pair.prompt, None)
        if len(seen) == n:
            break
    return list(seen)


def _protagonist(prompt: str) -> str:
    return prompt.split(maxsplit=1)[0] if prompt.strip() else ""


class StoryWorldGenerator:
    kind = "story_world"

    def __init__(self, injury_rate: float = 0.024) -> None:
        if not 0.0 <= injury_rate <= 1.0:
            raise GeneratorError(f"injury_rate is a probability, got {injury_rate}")
        self.injury_rate = float(injury_rate)

    def settings(self) -> dict[str, Any]:
        return {"injury_rate": self.injury_rate}

    def generate(self, prompts: Sequence[str], k: int, seed: int) -> list[GeneratedCompletion]:
        out = []
        for p, prompt in enumerate(prompts):
            hero = _protagonist(prompt)
            for i in range(k):
                s = sample_seed(seed, prompt, i)
                injurious = int(np.random.default_rng(s).random() < self.injury_rate)
                (pair,) = synthetic_story_pairs(1, seed=s, injurious_fraction=float(injurious))
                completion = pair.completion
                other = _protagonist(pair.prompt)
                if hero and other and other != hero:
                    completion = completion.replace(other, hero)
                out.append(GeneratedCompletion(p, i, s, completion, pair.label))
        return out
