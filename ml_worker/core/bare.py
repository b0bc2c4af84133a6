"""Bare baselines for the project's benchmarks: the same model work in a plain torch loop, with no Celery,
no database and none of the platform's batching, so a benchmark can report platform / bare ratios.

Also a synthetic story generator with labels, so benchmarks and smoke tests need no data set.
Timing functions run the model (side effects: none beyond compute; the training baseline loads its own
copy of the model and discards it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.device import pick_device


class StoryPair(NamedTuple):
    prompt: str
    completion: str
    label: int  # 1 = the completion injures someone


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_forward_latency_ms(
    clf: InjuryClassifier,
    pairs: Sequence[tuple[str, str]] | Sequence[StoryPair],
    n: int = 50,
    warmup: int = 3,
) -> list[float]:
    """Milliseconds for each of `n` single-pair requests (tokenize + forward), cycling through `pairs`.

    `warmup` untimed requests first (allocator and kernel caches). Runs in eval mode, no autocast.
    """
    tokenizer, model, device = clf.tokenizer, clf.model.eval(), clf.device
    timings = []
    with torch.inference_mode():
        for i in range(warmup + n):
            prompt, completion = pairs[i % len(pairs)][:2]
            start = time.perf_counter()
            encoded = tokenizer(
                prompt, completion, truncation="only_first", max_length=clf.max_length, return_tensors="pt"
            ).to(device)
            model(**encoded)
            _synchronize(device)
            if i >= warmup:
                timings.append((time.perf_counter() - start) * 1000.0)
    return timings


def bare_batch_throughput(
    clf: InjuryClassifier, pairs: Sequence[tuple[str, str]] | Sequence[StoryPair], batch_size: int = 32
) -> float:
    """Examples per second scoring `pairs` in fixed batches, in the given order (no length sorting).

    One untimed batch first. Runs in eval mode, no autocast.
    """
    if not pairs:
        raise ValueError("bare_batch_throughput needs at least one pair")
    tokenizer, model, device = clf.tokenizer, clf.model.eval(), clf.device
    batches = [pairs[i : i + batch_size] for i in range(0, len(pairs), batch_size)]
    start = time.perf_counter()
    with torch.inference_mode():
        for timed, group in enumerate([batches[0], *batches]):
            if timed == 1:
                _synchronize(device)
                start = time.perf_counter()
            encoded = tokenizer(
                [p[0] for p in group],
                [p[1] for p in group],
                truncation="only_first",
                max_length=clf.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            model(**encoded)
        _synchronize(device)
    return len(pairs) / (time.perf_counter() - start)


def bare_train_throughput(
    model_path: str | Path,
    pairs: Sequence[StoryPair] | Sequence[tuple[str, str, int]],
    batch_size: int = 16,
    steps: int = 10,
    *,
    device: str | torch.device | None = None,
    max_length: int = 256,
    seed: int = 0,
) -> float:
    """Training examples per second of a plain AdamW fine-tuning loop (forward, CE loss, backward, step)
    over `pairs` cycled in order. One untimed step first. Loads a fresh copy of the model, fp32."""
    target = pick_device(device)
    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_path, num_labels=2, local_files_only=True
    )
    model.to(target).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
    start = time.perf_counter()
    for step in range(steps + 1):
        if step == 1:
            _synchronize(target)
            start = time.perf_counter()
        group = [pairs[(step * batch_size + i) % len(pairs)] for i in range(batch_size)]
        encoded = tokenizer(
            [p[0] for p in group],
            [p[1] for p in group],
            truncation="only_first",
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        ).to(target)
        labels = torch.tensor([int(p[2]) for p in group], device=target)
        loss = F.cross_entropy(model(**encoded).logits, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    _synchronize(target)
    return steps * batch_size / (time.perf_counter() - start)


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
