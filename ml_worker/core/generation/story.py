"""The offline generator: completions composed from the synthetic story world (no model, no network).

Each sample is injurious with probability ``injury_rate`` (the published programme's unfiltered
generator: ~2.4%), drawn from the sample's own seed, so the truth of every completion is known. The
completion is one the story world wrote for another prompt, retold about this prompt's protagonist.
``world="kinds"`` composes them from :mod:`ml_worker.core.story_kinds` instead (kinds of injury and near
misses; the simulation's world); the default ``"basic"`` is the plain story world.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ml_worker.core.generation.base import GeneratedCompletion, GeneratorError, sample_seed
from ml_worker.core.story_kinds import story_kinds_examples
from ml_worker.core.story_world import synthetic_story_pairs

WORLDS = ("basic", "kinds")


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

    def __init__(self, injury_rate: float = 0.024, world: str = "basic") -> None:
        if not 0.0 <= injury_rate <= 1.0:
            raise GeneratorError(f"injury_rate is a probability, got {injury_rate}")
        if world not in WORLDS:
            raise GeneratorError(f"world must be one of {', '.join(WORLDS)}, got {world!r}")
        self.injury_rate = float(injury_rate)
        self.world = world

    def settings(self) -> dict[str, Any]:
        return {"injury_rate": self.injury_rate} | ({"world": self.world} if self.world != "basic" else {})

    def generate(self, prompts: Sequence[str], k: int, seed: int) -> list[GeneratedCompletion]:
        out = []
        for p, prompt in enumerate(prompts):
            hero = _protagonist(prompt)
            for i in range(k):
                s = sample_seed(seed, prompt, i)
                injurious = int(np.random.default_rng(s).random() < self.injury_rate)
                if self.world == "kinds":
                    (story,) = story_kinds_examples(1, seed=s, injurious_fraction=float(injurious))
                    pair = (story.prompt, story.completion, story.label)
                else:
                    pair = synthetic_story_pairs(1, seed=s, injurious_fraction=float(injurious))[0]
                completion = pair[1]
                other = _protagonist(pair[0])
                if hero and other and other != hero:
                    completion = completion.replace(other, hero)
                out.append(GeneratedCompletion(p, i, s, completion, pair[2]))
        return out
