"""Print the core's speed figures on this machine: `python -m ml_worker.core.bench [--threads 2] [--json]`.

Bare baselines (plain torch loop) next to the core's own paths (sorted batching, saliency, substitutions),
all on synthetic ~80-token stories with the bundled MiniLM unless --model names another directory.
Side effects: sets torch's thread count for this process; writes nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from ml_worker.core.bare import (
    bare_batch_throughput,
    bare_forward_latency_ms,
    bare_train_throughput,
)
from ml_worker.core.classifier import InjuryClassifier, default_backbone_path
from ml_worker.core.device import use_cpu_threads
from ml_worker.core.saliency import token_saliency
from ml_worker.core.story_world import synthetic_story_pairs
from ml_worker.core.substitutions import suggest_substitutions


def _p50_ms(action: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(timings)


def measure(model: str | None, device: str | None, repeats: int) -> dict[str, float]:
    """Figures keyed by name: *_ms are medians in milliseconds, *_eps examples per second."""
    path = model or str(default_backbone_path())
    clf = InjuryClassifier.from_backbone(path, device=device)
    stories = synthetic_story_pairs(256, seed=0)
    pairs = [(s.prompt, s.completion) for s in stories]
    story = next(s for s in stories if s.label == 1)
    word = story.completion.split()[-1].strip(".,")
    start = story.completion.rindex(word)
    figures = {
        "bare_forward_p50_ms": statistics.median(bare_forward_latency_ms(clf, pairs, n=repeats * 3)),
        "score_single_p50_ms": _p50_ms(lambda: clf.score(pairs[:1]), repeats * 3),
        "bare_batch32_eps": bare_batch_throughput(clf, pairs, batch_size=32),
        "score_batch32_eps": len(pairs) / (_p50_ms(lambda: clf.score(pairs, batch_size=32), 1, 1) / 1000.0),
        "saliency_p50_ms": _p50_ms(lambda: token_saliency(clf, story.prompt, story.completion), repeats),
        "substitutions64_p50_ms": _p50_ms(
            lambda: suggest_substitutions(
                clf, story.prompt, story.completion, field="completion", start=start, end=start + len(word)
            ),
            repeats,
        ),
        "bare_train_batch16_eps": bare_train_throughput(
            path, stories, batch_size=16, steps=repeats, device=device
        ),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", help="classifier or backbone directory (default: bundled MiniLM)")
    parser.add_argument("--device", help="cpu, cuda, ... (default: cuda if available)")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--repeats", type=int, default=10, help="timed repetitions per figure")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    if args.threads:
        use_cpu_threads(args.threads)
    figures = measure(args.model, args.device, args.repeats)
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:28s} {value:10.1f}")


if __name__ == "__main__":
    main()
