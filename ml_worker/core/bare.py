"""Bare baselines for the project's benchmarks: the same model work in a plain torch loop, with no Celery,
no database and none of the platform's batching, so a benchmark can report platform / bare ratios.

The synthetic stories the baselines run on live in :mod:`ml_worker.core.story_world`.
Timing functions run the model (side effects: none beyond compute; the training baseline loads its own
copy of the model and discards it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.device import pick_device
from ml_worker.core.story_world import StoryPair


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
