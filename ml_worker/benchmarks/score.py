"""The ``score`` benchmark: live latency and bulk throughput, bare model vs Gauntlet's path."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import requests
import torch
from django.conf import settings

from gauntlet.common.benchmarks import BenchOptions
from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.device import pick_device

from .processes import gpu_worker, scratch_database, web_server
from .setup import bench_user_token, bench_version, model_path, pairs_for


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bare_latency_ms(clf: InjuryClassifier, pairs: list[tuple[str, str]], n: int) -> float:
    """p50 of one-pair forwards in a plain loop (tokenize + forward + softmax), after warm-up."""
    model, tok = clf.model.eval(), clf.tokenizer
    times = []
    with torch.inference_mode():
        for i in range(n + 5):
            prompt, completion = pairs[i % len(pairs)]
            start = time.perf_counter()
            batch = tok(
                [prompt],
                [completion],
                return_tensors="pt",
                truncation="only_first",
                max_length=settings.GAUNTLET_CLASSIFIER_MAX_LENGTH,
            )
            torch.softmax(model(**batch.to(clf.device)).logits, dim=-1)[:, 1].tolist()
            if i >= 5:
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_batch_eps(clf: InjuryClassifier, pairs: list[tuple[str, str]], batch_size: int = 32) -> float:
    """Examples/s scoring ``pairs`` in a plain loop of padded batches of 32."""
    model, tok = clf.model.eval(), clf.tokenizer
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(pairs), batch_size):
            chunk = pairs[i : i + batch_size]
            batch = tok(
                [p for p, _ in chunk],
                [c for _, c in chunk],
                return_tensors="pt",
                padding=True,
                truncation="only_first",
                max_length=settings.GAUNTLET_CLASSIFIER_MAX_LENGTH,
            )
            torch.softmax(model(**batch.to(clf.device)).logits, dim=-1)[:, 1].tolist()
    return len(pairs) / (time.perf_counter() - start)


def bench_score(options: BenchOptions) -> dict[str, Any]:
    n_live = options.get_int("live_requests", 10 if options.quick else 200)
    n_bulk = options.get_int("bulk_examples", 64 if options.quick else 5000)
    n_tools = options.get_int("tool_requests", 3 if options.quick else 30)
    use_current = options.params.get("database") == "current"
    path = model_path(options)
    device = pick_device()
    clf = InjuryClassifier.load(path, device=device)
    pairs = [(p, c) for p, c, _ in pairs_for(max(n_bulk, n_live, 64), seed=1)]
    out: dict[str, Any] = {
        "device": str(device),
        "model": str(path),
        "torch_threads": torch.get_num_threads(),
    }
    out["bare_p50_ms"] = bare_latency_ms(clf, pairs, n_live)
    out["bare_batch_eps"] = bare_batch_eps(clf, pairs[:n_bulk])
    del clf

    logs = Path(tempfile.mkdtemp(prefix="gauntlet-bench-"))
    with scratch_database(use_current=use_current):
        version = bench_version(path)
        token = bench_user_token()
        with gpu_worker(log=logs / "worker.log"), web_server(log=logs / "web.log") as base:
            session = requests.Session()
            session.headers["Authorization"] = f"Token {token}"

            def post(url: str, body: dict[str, Any]) -> float:
                start = time.perf_counter()
                response = session.post(f"{base}/api/v1/{url}", json=body, timeout=120)
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{url} -> {response.status_code}: {response.text[:300]}")
                return elapsed

            post("score/", {"prompt": pairs[0][0], "completion": pairs[0][1]})  # worker loads the model
            for i in range(3):
                post("score/", {"prompt": pairs[i][0], "completion": pairs[i][1]})
            live = [post("score/", {"prompt": p, "completion": c}) for p, c in pairs[:n_live]]
            out["live_score_p50_ms"] = _percentile(live, 50)
            out["live_score_p99_ms"] = _percentile(live, 99)
            # First calls build per-process state (embedding neighbourhood, autograd graphs): not timed.
            warm_span = {"field": "completion", "start": 0, "end": len(pairs[0][1].split()[0])}
            post("saliency/", {"prompt": pairs[0][0], "completion": pairs[0][1]})
            post(
                "substitutions/",
                {"prompt": pairs[0][0], "completion": pairs[0][1], "span": warm_span, "k": 10},
            )
            saliency = [post("saliency/", {"prompt": p, "completion": c}) for p, c in pairs[:n_tools]]
            out["saliency_p50_ms"] = _percentile(saliency, 50)
            subs = []
            for prompt, completion in pairs[:n_tools]:
                word = completion.split()[1]
                start = completion.index(word)
                span = {"field": "completion", "start": start, "end": start + len(word)}
                subs.append(
                    post(
                        "substitutions/", {"prompt": prompt, "completion": completion, "span": span, "k": 10}
                    )
                )
            out["substitutions_p50_ms"] = _percentile(subs, 50)
            out.update(_bulk(version, pairs[:n_bulk]))
    out["live_vs_bare_target_ms"] = 2 * out["bare_p50_ms"] + 10
    out["pipeline_vs_bare_batch"] = out["pipeline_batch_eps"] / out["bare_batch_eps"]
    out["http"] = "gunicorn on loopback (1 sync worker), token auth"
    return out


def _bulk(version: Any, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Insert the examples, promote the version, time until every example has its Score row."""
    from labeling.models import Example, content_hash
    from ml_worker.models import Score, VersionStatus
    from ml_worker.services.registry import classifier_version_promote

    Example.objects.bulk_create(
        [
            Example(prompt=p, completion=c, batch=f"bench-{i}", content_hash=content_hash(p, c))
            for i, (p, c) in enumerate(pairs)
        ],
        batch_size=1000,
    )
    version.status = VersionStatus.READY
    version.save(update_fields=["status"])
    start = time.perf_counter()
    classifier_version_promote(version=version)  # on commit: rescore_all fans out score_examples batches
    deadline = start + 3600
    while Score.objects.filter(classifier_version=version).count() < len(pairs):
        if time.perf_counter() > deadline:
            raise RuntimeError("bulk scoring did not finish within an hour")
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    return {"pipeline_batch_eps": len(pairs) / elapsed, "bulk_examples": len(pairs), "bulk_seconds": elapsed}
