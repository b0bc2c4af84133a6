"""The ``train`` benchmark: fine-tuning examples/s, bare torch loop vs a training run on a real worker."""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from django.conf import settings
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from gauntlet.common.benchmarks import BenchOptions
from ml_worker.core.device import pick_device

from .processes import gpu_worker, scratch_database
from .setup import model_path, pairs_for


def bare_train_eps(
    path: Path, pairs: list[tuple[str, str, int]], batch_size: int, device: torch.device
) -> float:
    """Examples/s of a plain AdamW loop (tokenize per batch, forward, backward, step), first step excluded."""
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2, local_files_only=True).to(
        device
    )
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    seen, start = 0, 0.0
    for step, i in enumerate(range(0, len(pairs), batch_size)):
        if step == 1:
            start, seen = time.perf_counter(), 0
        chunk = pairs[i : i + batch_size]
        batch = tok(
            [p for p, _, _ in chunk],
            [c for _, c, _ in chunk],
            return_tensors="pt",
            padding=True,
            truncation="only_first",
            max_length=settings.GAUNTLET_CLASSIFIER_MAX_LENGTH,
        ).to(device)
        loss = F.cross_entropy(model(**batch).logits, torch.tensor([y for _, _, y in chunk], device=device))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        seen += len(chunk)
    return seen / (time.perf_counter() - start)


def bench_train(options: BenchOptions) -> dict[str, Any]:
    from ml_worker.models import ClassifierVersion, RunStatus
    from ml_worker.services.training import training_run_create

    n = options.get_int("examples", 64 if options.quick else 640)
    batch_size = options.get_int("batch_size", 16)
    val_fraction = 0.05
    path = model_path(options)
    device = pick_device()
    pairs = pairs_for(n, seed=2)
    n_train = n - sum(
        max(1, round(c * val_fraction)) for c in (sum(y for *_, y in pairs), sum(1 - y for *_, y in pairs))
    )
    out: dict[str, Any] = {"device": str(device), "model": str(path), "train_examples": n_train}
    out["bare_train_eps"] = bare_train_eps(path, pairs[:n_train], batch_size, device)

    logs = Path(tempfile.mkdtemp(prefix="gauntlet-bench-"))
    with scratch_database(use_current=options.params.get("database") == "current"):
        parent = ClassifierVersion.objects.create(
            name=f"bench-base-{time.time_ns()}",
            artifact_uri=str(path),
            base_model=str(path),
            status="ready",
            threshold=0.5,
        )
        with gpu_worker(log=logs / "worker.log"):
            run = training_run_create(
                created_by=None,
                from_version=parent,
                config={
                    "synthetic": n,
                    "seed": 2,
                    "epochs": 1,
                    "batch_size": batch_size,
                    "val_fraction": val_fraction,
                    "early_stopping_patience": None,
                    "checkpoint_every": 10_000,
                    "eval_batch_size": 64,
                },
            )
            submitted = time.perf_counter()
            deadline = submitted + 3600
            while run.status not in (RunStatus.SUCCEEDED, RunStatus.FAILED):
                if time.perf_counter() > deadline:
                    raise RuntimeError("the benchmark training run did not finish within an hour")
                time.sleep(0.2)
                run.refresh_from_db()
            wall = time.perf_counter() - submitted
        if run.status != RunStatus.SUCCEEDED:
            raise RuntimeError(f"training run failed: {run.error}")
        metrics = ClassifierVersion.objects.get(pk=run.version_id).metrics
    # Steady-state optimizer steps inside the task (what the 0.9x target compares), and the whole task
    # from submission to the stored version (model load, tokenisation, validation, upload included).
    out["pipeline_train_eps"] = metrics["train_examples_per_second"]
    out["pipeline_train_end_to_end_eps"] = n_train / wall
    out["pipeline_train_seconds"] = wall
    out["pipeline_vs_bare_train"] = out["pipeline_train_eps"] / out["bare_train_eps"]
    out["val_auc"] = metrics["val_auc"]
    out["steps"] = math.ceil(n_train / batch_size)
    return out
