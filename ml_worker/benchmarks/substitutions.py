"""The ``substitutions`` benchmark: do the rewrite tool's offline suggestions read like language?

Over a fixed set of injurious synthetic stories (seeded), the most salient content word of each completion
is offered to ``suggest_substitutions`` (no masked LM: the dictionary thesaurus path) for its top 10. Each
suggestion is then checked independently of the tool: is what it puts in a whole dictionary word (a
deletion puts nothing in and counts as one), and does the edited completion keep MiniLM sentence
similarity >= 0.8 to the original? Also the score reduction of the best suggestion, and the latency of a
top-10 request next to the bare cost of re-scoring the same number of pairs in one plain forward pass.

The classifier is ``--param model=PATH``, else a MiniLM fine-tuned once on synthetic stories (cached under
``GAUNTLET_MODEL_CACHE/bench``), so the score drops mean something.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from gauntlet.common.benchmarks import BenchOptions

from .setup import tempfile_dir

WORD = re.compile(r"[A-Za-z]+")
MIN_SIMILARITY = 0.8


def _trained_model(options: BenchOptions) -> Path:
    if options.params.get("model"):
        return Path(options.params["model"])
    from ml_worker.core.story_world import synthetic_story_pairs
    from ml_worker.core.training import TrainConfig, TrainExample, train
    from ml_worker.services.registry import classifier_base_path

    target = Path(tempfile_dir()) / "bench-substitutions-minilm"
    if not (target / "config.json").exists():
        stories = synthetic_story_pairs(400, seed=11)
        examples = [TrainExample(s.prompt, s.completion, s.label) for s in stories]
        train(
            TrainConfig(epochs=1, batch_size=16, device="cpu", early_stopping_patience=None),
            examples[:320],
            examples[320:],
            init_path=classifier_base_path(),
            output_dir=target,
            checkpoint_dir=target.with_name(target.name + "-ckpt"),
            progress=False,
        )
    return target


def bench_substitutions(options: BenchOptions) -> dict[str, Any]:
    from ml_worker.core.classifier import InjuryClassifier
    from ml_worker.core.device import use_cpu_threads
    from ml_worker.core.saliency import token_saliency
    from ml_worker.core.similarity import shared_encoder
    from ml_worker.core.story_world import synthetic_story_pairs
    from ml_worker.core.substitutions import suggest_substitutions
    from ml_worker.core.vocabulary import dictionary_words
    from ml_worker.core.word_attack import SKIP

    use_cpu_threads(settings.GAUNTLET_TORCH_THREADS)  # as a worker process does
    n_examples = 3 if options.quick else options.get_int("examples", 20)
    clf = InjuryClassifier.load(
        _trained_model(options), device="cpu", max_length=settings.GAUNTLET_CLASSIFIER_MAX_LENGTH
    )
    encoder = shared_encoder(str(clf.device))
    dictionary = dictionary_words()
    stories = [s for s in synthetic_story_pairs(400, seed=2024) if s.label == 1][:n_examples]
    suggest_substitutions(clf, stories[0].prompt, stories[0].completion, field="completion", start=0, end=3)

    suggestions = whole = kept = 0
    drops: list[float] = []
    latencies: list[float] = []
    bare: list[float] = []
    for story in stories:
        tokens = token_saliency(clf, story.prompt, story.completion)
        spans = [m.span() for m in WORD.finditer(story.completion) if m.group().lower() not in SKIP]
        start, end = max(
            spans,
            key=lambda span: max(
                (
                    t.gradient
                    for t in tokens
                    if t.field == "completion" and t.start < span[1] and t.end > span[0]
                ),
                default=0.0,
            ),
        )
        began = time.perf_counter()
        result = suggest_substitutions(
            clf,
            story.prompt,
            story.completion,
            field="completion",
            start=start,
            end=end,
            k=10,
            candidate_pool=settings.GAUNTLET_SUBSTITUTION_CANDIDATES,
        )
        latencies.append((time.perf_counter() - began) * 1000)
        pairs = [(story.prompt, story.completion)] * (settings.GAUNTLET_SUBSTITUTION_CANDIDATES + 1)
        began = time.perf_counter()
        clf.score(pairs, batch_size=len(pairs))
        bare.append((time.perf_counter() - began) * 1000)
        vectors = encoder.encode([story.completion, *(s.completion for s in result.suggestions)])
        for suggestion, vector in zip(result.suggestions, vectors[1:], strict=True):
            suggestions += 1
            whole += suggestion.text == "" or suggestion.text.lower() in dictionary
            kept += float(vector @ vectors[0]) >= MIN_SIMILARITY
        if result.suggestions:
            drops.append(result.original_score - result.suggestions[0].score)
    p50 = statistics.median(latencies)
    bare_p50 = statistics.median(bare)
    return {
        "examples": len(stories),
        "suggestions": suggestions,
        "whole_word_share": round(whole / suggestions, 4) if suggestions else None,
        "similarity_kept_share": round(kept / suggestions, 4) if suggestions else None,
        "best_score_drop": round(statistics.mean(drops), 4) if drops else None,
        "best_score_drop_max": round(max(drops), 4) if drops else None,
        "p50_ms": round(p50, 1),
        "bare_rescore_p50_ms": round(bare_p50, 1),
        "p50_vs_bare_rescore": round(p50 / bare_p50, 2) if bare_p50 else None,
        "candidate_pool": settings.GAUNTLET_SUBSTITUTION_CANDIDATES,
    }
