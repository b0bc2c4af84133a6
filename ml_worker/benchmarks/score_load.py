"""``python manage.py bench score --under-load --json``: live scoring while the GPU trains and rescores.

Bare: one-pair forwards in a plain loop in this process (``bare_p50_ms``), as ``bench score``.
Gauntlet, on one machine: gunicorn (gthread), a **live** worker pool (``-Q live``) and a separate
**gpu** worker pool (``-Q gpu``, two processes) as their own processes, on Redis and a scratch
PostgreSQL database. A training run (``train_classifier``) and a bulk rescoring run (``rescore_all``
fanning out ``score_examples`` batches) are started on the gpu pool; once both are in progress,
``editors`` (16) threads, each one person's keep-alive connection with token auth, post
``/api/v1/score/`` one edit after another (``requests`` each). ``live_p50_ms`` / ``live_p99_ms``
are over every editor's requests; targets: p50 <= 2 x bare + 10 ms, p99 <= 100 ms.

It also load-tests the cross-request batching of concurrent live requests: ``live_batch_sizes_*``
are the sizes of the forward passes the live workers ran during the window (recorded in Redis
by :func:`ml_worker.services.live.batching.batch_size_record`). ``training_in_progress_after`` and
``bulk_scores_during`` show the background work really ran through the measurement.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
import torch

from gauntlet.common.benchmarks import BenchOptions
from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.device import cpu_has_amx, pick_device

from .processes import gpu_worker, scratch_database, web_server
from .score import _percentile, bare_latency_ms
from .setup import bench_user_token, bench_version, model_path, pairs_for


def _background_load(version: Any, bulk: int, train_examples: int) -> Any:
    """Start a long training run and a bulk rescoring of ``bulk`` examples on the gpu pool; the run."""
    from gauntlet.common.enqueue import task_send
    from labeling.models import Example, content_hash
    from ml_worker.models import ClassifierVersion
    from ml_worker.services.training import training_run_create

    pairs = pairs_for(bulk, seed=3)
    Example.objects.bulk_create(
        [
            Example(
                prompt=p,
                completion=f"{c} ({i})",
                batch="bench-bulk",
                content_hash=content_hash(p, f"{c} ({i})"),
            )
            for i, (p, c, _) in enumerate(pairs)
        ],
        batch_size=2000,
    )
    parent = ClassifierVersion.objects.create(
        name=f"bench-train-base-{time.time_ns()}",
        artifact_uri=version.artifact_uri,
        base_model=version.base_model,
        status="ready",
        threshold=0.5,
    )
    run = training_run_create(
        created_by=None,
        from_version=parent,
        config={
            "synthetic": train_examples,
            "seed": 4,
            "epochs": 50,  # far longer than the measurement: it is in progress throughout
            "batch_size": 16,
            "early_stopping_patience": None,
            "checkpoint_every": 100_000,
        },
    )
    task_send("ml_worker.tasks.rescore_all", version.pk)
    return run


def _wait_in_progress(run: Any, version: Any, timeout: float = 600.0) -> None:
    from ml_worker.models import RunStatus, Score

    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if run.status == RunStatus.FAILED:
            raise RuntimeError(f"the background training run failed: {run.error}")
        if run.status == RunStatus.RUNNING and Score.objects.filter(classifier_version=version).exists():
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the training run and the bulk rescoring did not both start within 10 minutes")
        time.sleep(0.2)


def _editors(
    base: str, token: str, pairs: list[tuple[str, str]], editors: int, per_editor: int
) -> list[float]:
    """``editors`` threads, each posting ``per_editor`` scores one after another; every latency (ms)."""
    latencies: list[list[float]] = [[] for _ in range(editors)]
    errors: list[str] = []
    start = threading.Barrier(editors)

    def edit(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        start.wait()
        for k in range(per_editor):
            prompt, completion = pairs[(index * per_editor + k) % len(pairs)]
            began = time.perf_counter()
            response = session.post(
                f"{base}/api/v1/score/",
                json={"prompt": prompt, "completion": f"{completion} {k}"},
                timeout=120,
            )
            latencies[index].append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                errors.append(f"{response.status_code}: {response.text[:200]}")

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} live scores failed under load, e.g. {errors[0]}")
    return [ms for per in latencies for ms in per]


def bench_score_under_load(options: BenchOptions) -> dict[str, Any]:
    from ml_worker.models import RunStatus, Score
    from ml_worker.services.live.batch_sizes import live_batch_sizes

    quick = options.quick
    editors = options.get_int("editors", 4 if quick else 16)
    per_editor = options.get_int("requests", 3 if quick else 40)
    bulk = options.get_int("bulk_examples", 200 if quick else 20_000)
    train_examples = options.get_int("train_examples", 64 if quick else 2_000)
    live_concurrency = options.get_int("live_workers", 1 if quick else 2)
    torch_threads = str(options.get_int("torch_threads", max(1, (os.cpu_count() or 2) // 2)))
    path = model_path(options)
    clf = InjuryClassifier.load(path, device=pick_device())
    pairs = [(p, c) for p, c, _ in pairs_for(256, seed=1)]
    out: dict[str, Any] = {"device": str(clf.device), "model": str(path), "editors": editors}
    out["bare_p50_ms"] = bare_latency_ms(clf, pairs, 10 if quick else 200)
    del clf

    logs = Path(tempfile.mkdtemp(prefix="gauntlet-bench-load-"))
    # --param cpu_bf16=1: the workers' read-only passes in bf16 (GAUNTLET_CPU_BF16; training stays fp32)
    cpu_bf16 = options.params.get("cpu_bf16", os.environ.get("GAUNTLET_CPU_BF16", "0"))
    workers_env = {"GAUNTLET_TORCH_THREADS": torch_threads, "GAUNTLET_CPU_BF16": cpu_bf16}
    with scratch_database(use_current=options.params.get("database") == "current"):
        version = bench_version(path)
        token = bench_user_token()
        with (
            gpu_worker(log=logs / "live.log", queues="live", concurrency=live_concurrency, env=workers_env),
            gpu_worker(log=logs / "gpu.log", queues="gpu", concurrency=2, env=workers_env),
            web_server(log=logs / "web.log", workers=2, threads=8) as base,
        ):
            warm = requests.Session()
            warm.headers["Authorization"] = f"Token {token}"
            for i in range(4 * live_concurrency):  # every live process loads the model (not timed)
                pair = {"prompt": pairs[i][0], "completion": pairs[i][1]}
                warmed = warm.post(f"{base}/api/v1/score/", json=pair, timeout=120)
                if warmed.status_code != 200:
                    raise RuntimeError(f"warm-up score -> {warmed.status_code}: {warmed.text[:300]}")
            # Every web process's first live request imports the tasks modules (seconds on a busy
            # machine) and one keep-alive session reaches one of them: warm them all, as the editors
            # will connect (not timed).
            _editors(base, token, pairs, editors, 1)
            run = _background_load(version, bulk, train_examples)
            _wait_in_progress(run, version)
            live_batch_sizes(clear=True)
            scores_before = Score.objects.filter(classifier_version=version).count()
            latencies = _editors(base, token, pairs, editors, per_editor)
            sizes = live_batch_sizes()
            run.refresh_from_db()
            out["training_in_progress_after"] = run.status == RunStatus.RUNNING
            out["bulk_scores_during"] = (
                Score.objects.filter(classifier_version=version).count() - scores_before
            )
    out["live_p50_ms"] = _percentile(latencies, 50)
    out["live_p99_ms"] = _percentile(latencies, 99)
    out["live_requests"] = len(latencies)
    out["live_batch_sizes_max"] = max(sizes, default=0)
    out["live_batch_sizes_mean"] = statistics.fmean(sizes) if sizes else 0.0
    out["live_forward_passes"] = len(sizes)
    out["live_p50_target_ms"] = 2 * out["bare_p50_ms"] + 10
    out["p50_met"] = out["live_p50_ms"] <= out["live_p50_target_ms"]
    out["p99_met"] = out["live_p99_ms"] <= 100
    out["torch_threads_per_worker"] = int(torch_threads)
    out["bare_torch_threads"] = torch.get_num_threads()
    out["workers_cpu_bf16"] = cpu_bf16 == "1"  # the bare loop is fp32 either way
    out["cpu_amx"] = cpu_has_amx()
    out["http"] = "gunicorn gthread 2 x 8 on loopback, token auth; live pool and gpu pool as separate workers"
    return out
