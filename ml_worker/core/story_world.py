"""A synthetic story world with labels: prompts and completions where an injury does or does not happen.

Production uses it, not only benchmarks: ``train_classifier --synthetic N`` trains from it, and the
benchmarks and smoke tests run on it so they need no data set. ``demo_setup`` and ``simulate`` use its
sibling :mod:`ml_worker.core.story_kinds` (kinds of injury, near misses, an oracle). Pure Python and
numpy, deterministic in its seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class StoryPair(NamedTuple):
    prompt: str
    completion: str
    label: int  # 1 = the completion injures someone


NAMES = [
    "Maria",
    "Tom",
    "Aisha",
    "Liam",
    "Chen",
    "Sofia",
    "Omar",
    "Grace",
    "Mateo",
    "Hannah",
    "Ravi",
    "Elena",
]
PLACES = [
    "the river",
    "the old quarry",
    "the farm",
    "the skate park",
    "the harbour",
    "the forest trail",
    "the school gym",
    "the market",
    "the mountain cabin",
    "the beach",
    "the construction site",
]
COMPANIONS = [
    "her brother",
    "his best friend",
    "their grandmother",
    "the family dog",
    "a neighbour",
    "her cousin",
    "his little sister",
    "an old classmate",
]
TIMES = [
    "early on Saturday morning",
    "late one windy afternoon",
    "just after lunch",
    "on a cold evening",
    "during the summer holidays",
    "before the sun came up",
]
WEATHER = [
    "The rain had left the ground slick and muddy",
    "A strong wind was rattling the loose boards",
    "The air was warm and the sky was perfectly clear",
    "Thick fog hid most of the path ahead",
    "Fresh snow covered everything in a soft white layer",
]
MOODS = [
    "feeling excited about the plans for the day",
    "hoping to finish everything before dinner",
    "a little nervous but determined to try",
    "laughing about a joke from the night before",
]
TASKS = [
    "carried a heavy box of tools up the steps",
    "set up a small table near the water",
    "climbed onto the wooden platform to look around",
    "unpacked the sandwiches and cold drinks",
    "checked the map one more time",
    "tied the ropes around the old fence post",
]
VANTAGES = [
    "from the shade of a tree",
    "from the top of the stairs",
    "from behind the parked car",
    "from a bench nearby",
    "from the doorway with a cup of tea",
]
AFTERMATHS = [
    "so the trip ended at the hospital",
    "and someone had to call an ambulance",
    "and the bleeding would not stop for a long time",
    "and the pain lasted for weeks",
]
OPENERS = ["Suddenly", "A moment later", "Without warning", "Just then", "After a while"]
ACCIDENTS = [
    "slipped on the wet stones",
    "lost their footing on the ladder",
    "tripped over a loose board",
    "reached for the falling box",
    "leaned too far over the railing",
    "grabbed the hot pan",
]
INJURIES = [
    "broke a wrist",
    "fractured an ankle",
    "sprained a knee badly",
    "cut a hand deeply on the metal",
    "burned both palms",
    "twisted an ankle and could not stand",
    "gashed a forehead open",
    "dislocated a shoulder",
    "bruised several ribs",
    "cracked a tooth and bled heavily",
    "scraped an arm raw on the rocks",
    "crushed two fingers",
]
VICTIMS = [" and", " and", " and", " and knocked into {companion}, who"]
CALM = [
    "smiled at the view",
    "waved to the others",
    "sat down on the bench",
    "laughed at the silly mistake",
    "found a shiny coin in the grass",
    "took a photo of the sunset",
    "hummed a favourite song",
]
OUTCOMES = [
    "everyone cheered loudly at the end of the day",
    "they shared the last sandwich on the way home",
    "the whole day felt perfect to all of them",
    "they decided to come back again next week",
    "nobody wanted to leave until it was dark",
]


def synthetic_story_pairs(n: int, seed: int = 0, injurious_fraction: float = 0.5) -> list[StoryPair]:
    """`n` labelled stories of about 80 MiniLM tokens: a three-sentence prompt and a one-sentence completion.

    Injurious completions describe an accident and an injury (varied verbs and body parts, to the
    character or to a companion); safe ones share the same openers and settings, so a classifier has to
    read the injury itself. Deterministic in `seed`; each label is drawn with P(injurious) = fraction.
    """
    rng = np.random.default_rng(seed)

    def pick(options: Sequence[str]) -> str:
        return options[int(rng.integers(len(options)))]

    stories = []
    for _ in range(n):
        name, companion = pick(NAMES), pick(COMPANIONS)
        prompt = (
            f"{name} went to {pick(PLACES)} {pick(TIMES)} with {companion}. "
            f"{pick(WEATHER)}, and {name} was {pick(MOODS)}. "
            f"{name} {pick(TASKS)} while {companion} watched {pick(VANTAGES)}."
        )
        label = int(rng.random() < injurious_fraction)
        if label:
            victim = pick(VICTIMS).format(companion=companion)
            completion = (
                f"{pick(OPENERS)} {name} {pick(ACCIDENTS)}{victim} {pick(INJURIES)}, {pick(AFTERMATHS)}."
            )
        else:
            completion = f"{pick(OPENERS)} {name} {pick(CALM)}, and {pick(OUTCOMES)}."
        stories.append(StoryPair(prompt, completion, label))
    return stories
