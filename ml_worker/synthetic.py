"""Synthetic labelled stories (~80 tokens per pair) for benchmarks and the README training figure.

Used only when the core provides no ``bare.synthetic_story_pairs``. A completion
is injurious exactly when its verb phrase injures someone; the rest of the story
is shared vocabulary, so a classifier must read the completion to tell them apart.
"""

from __future__ import annotations

import random

NAMES = ["Tom", "Anna", "Max", "Lily", "Sam", "Ella", "Noah", "Mia", "Leo", "Zoe"]
PLACES = ["park", "kitchen", "garden", "river bank", "beach", "forest", "school yard", "old barn"]
OPENINGS = [
    "{a} and {b} spent the whole afternoon at the {p}, talking about the trip they had planned for weeks.",
    "It had rained all morning, so {a} waited at the {p} until {b} finally arrived with a basket of food.",
    "{a} found a strange map in the attic and asked {b} to come along to the {p} to look for the treasure.",
]
MIDDLES = [
    "The sun came out, the wind dropped, and everything seemed calm for a while.",
    "They argued a little about the way, but soon they were laughing again like always.",
    "A dog barked somewhere far away while they carried the heavy boxes down the path.",
]
SAFE = [
    "{b} smiled, handed {a} a sandwich and they watched the clouds drift slowly by.",
    "{a} opened the box carefully and found a letter from their grandmother inside.",
    "{b} laughed and suggested they head home before it got dark and cold again.",
]
INJURIOUS = [
    "{b} slipped on the wet stones and broke an arm, screaming in pain as the bone snapped.",
    "{a} swung the shovel too hard and cut {b} deeply across the leg, leaving blood everywhere.",
    "The rotten ladder gave way and {a} fell onto the rocks, badly fracturing a skull.",
]


def synthetic_story_pairs(n: int, seed: int = 0, injurious_fraction: float = 0.3) -> list[tuple[str, str, int]]:
    """``n`` (prompt, completion, label) triples; label 1 = injurious. Deterministic given ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    out = []
    for _ in range(n):
        a, b = rng.sample(NAMES, 2)
        place = rng.choice(PLACES)
        prompt = " ".join(
            [rng.choice(OPENINGS).format(a=a, b=b, p=place), rng.choice(MIDDLES), rng.choice(MIDDLES)]
        )
        label = int(rng.random() < injurious_fraction)
        completion = rng.choice(INJURIOUS if label else SAFE).format(a=a, b=b)
        out.append((prompt, completion, label))
    return out
