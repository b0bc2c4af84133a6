"""``python manage.py bench score|train|substitutions|failure_rate --json``: the bare path vs Gauntlet's, in one run.

*Bare*: a plain torch loop in this process over the same ~80-token pairs.
*Gauntlet*: a real ``celery worker -Q gpu`` process on Redis and a scratch
PostgreSQL database, and for live scoring/saliency/substitutions real HTTP to
gunicorn on loopback (token auth, DRF, Celery round trip, result backend).
Bulk scoring and training go through the Celery tasks end to end (database
writes included). ``--param model=/path`` benchmarks another checkpoint.
"""

from __future__ import annotations

from typing import Any

from gauntlet.common.benchmarks import Benchmark, BenchOptions
from ml_worker.benchmarks.failure_rate import bench_failure_rate
from ml_worker.benchmarks.queue_selection import bench_queue_from_batch
from ml_worker.benchmarks.score import bench_score
from ml_worker.benchmarks.score_load import bench_score_under_load
from ml_worker.benchmarks.substitutions import bench_substitutions
from ml_worker.benchmarks.train import bench_train


def score(options: BenchOptions) -> dict[str, Any]:
    """``bench score``; with ``--under-load``, live scoring by 16 editors while the GPU trains and rescores."""
    if options.params.get("under_load", "").lower() in ("1", "true", "yes"):
        return bench_score_under_load(options)
    return bench_score(options)


BENCHMARKS = [
    Benchmark(
        "score",
        "Live scoring, saliency, substitutions and bulk scoring vs the bare model "
        "(--under-load: 16 editors while a training run and a bulk rescoring run are in progress).",
        score,
    ),
    Benchmark(
        "substitutions",
        "Offline substitution suggestions: whole dictionary words, sentence similarity kept, score drop, p50.",
        bench_substitutions,
    ),
    Benchmark("train", "Fine-tuning throughput of a training run vs a bare torch loop.", bench_train),
    Benchmark(
        "queue_from_batch",
        "A 20,000-example batch into a queue: the bulk selection service vs a bare INSERT … SELECT.",
        bench_queue_from_batch,
    ),
    Benchmark(
        "failure_rate",
        "Labels needed to bound a 3e-5 filtered failure rate by 1e-4: uniform vs score-stratified design.",
        bench_failure_rate,
    ),
]
