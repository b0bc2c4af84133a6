"""Fine-tuning the injury classifier: weighted cross-entropy, optional SiFT, early stopping on ROC AUC.

`train` reads top to bottom: load -> tokenize -> (resume) -> epochs of steps -> evaluate -> keep the best.
It is restartable: killed at any point, a second call with the same arguments continues from the last
checkpoint and ends with the same step count (and, on the same hardware, the same weights).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from ml_worker.core.calibration import false_positive_rate, recall_at, roc_auc
from ml_worker.core.classifier import InjuryClassifier, pad_batch
from ml_worker.core.device import autocast, make_grad_scaler
from ml_worker.core.training.checkpoint import (
    capture_rng_state,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
    seed_everything,
)
from ml_worker.core.training.config import EpochMetrics, TrainConfig, TrainResult
from ml_worker.core.training.data import TrainExample, epoch_order, loss_weights
from ml_worker.core.training.sift import sift_loss

logger = logging.getLogger(__name__)


def _fingerprint(
    config: TrainConfig, train_set: Sequence[TrainExample], val_set: Sequence[TrainExample]
) -> str:
    digest = hashlib.sha256(repr(sorted(asdict(config).items(), key=lambda item: item[0])).encode())
    for example in (*train_set, None, *val_set):
        digest.update(repr(example).encode())
    return digest.hexdigest()


def _optimizer_and_schedule(
    model: torch.nn.Module, config: TrainConfig, total_steps: int
) -> tuple[torch.optim.AdamW, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW (no decay on biases and LayerNorm gains, as in BERT) with linear warm-up then linear decay."""
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    named = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in named if not n.endswith(no_decay)], "weight_decay": config.weight_decay},
        {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.lr)
    warmup = math.ceil(config.warmup_ratio * total_steps)
    return optimizer, get_linear_schedule_with_warmup(optimizer, warmup, total_steps)


def _batch_loss(
    model: torch.nn.Module,
    batch: dict[str, torch.Tensor],
    labels: torch.Tensor,
    weights: torch.Tensor,
    config: TrainConfig,
) -> torch.Tensor:
    """Weighted cross-entropy (+ alpha x SiFT). Weights have mean 1 over the training set, so the batch
    mean of weight x loss is an unbiased estimate of the weighted risk (dividing by the batch's weight sum,
    as CrossEntropyLoss(weight=...) does, would undo class weighting in single-class batches)."""
    logits = model(**batch).logits.float()
    loss = (F.cross_entropy(logits, labels, reduction="none") * weights).mean()
    if config.sift:
        adversarial = sift_loss(
            model, batch, logits, noise_std=config.sift_noise, step_size=config.sift_epsilon
        )
        loss = loss + config.sift_alpha * adversarial
    return loss


def _evaluate(clf: InjuryClassifier, config: TrainConfig, val_set: Sequence[TrainExample]) -> dict[str, Any]:
    scores = clf.score([(e.prompt, e.completion) for e in val_set], config.eval_batch_size, config.max_length)
    labels = np.array([e.label for e in val_set])
    p_true = np.where(labels == 1, scores, 1.0 - scores)
    return {
        "val_loss": float(-np.log(np.clip(p_true, 1e-12, 1.0)).mean()),
        "val_auc": roc_auc(scores, labels),
        "val_recall": recall_at(scores, labels, config.threshold),
        "val_false_positive_rate": false_positive_rate(scores, labels, config.threshold),
    }


def train(
    config: TrainConfig,
    train_set: Sequence[TrainExample],
    val_set: Sequence[TrainExample],
    *,
    init_path: str | Path,
    output_dir: str | Path,
    checkpoint_dir: str | Path,
    progress: bool = True,
    on_epoch: Callable[[EpochMetrics], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Fine-tune the model at `init_path`; the best epoch (by val AUC, ties and single-class val sets by
    val loss) is saved with its tokenizer to `output_dir`.

    Side effects: writes `checkpoint_dir/checkpoint.pt` after every epoch, every `checkpoint_every` steps and
    when `should_stop()` returns True (checked after each step); reseeds the global RNGs. If a checkpoint is
    present it resumes from it (ValueError if it was written for other data or settings); calling again
    after the run finished returns the stored result without training. `on_epoch` is called after each
    epoch's checkpoint is written.
    """
    if not train_set or not val_set:
        raise ValueError("train needs a non-empty training set and a non-empty validation set")
    output_dir, checkpoint_dir = Path(output_dir), Path(checkpoint_dir)
    seed_everything(config.seed)
    clf = InjuryClassifier.from_backbone(init_path, config.device, config.seed, config.max_length)
    model, device, pad_id = clf.model, clf.device, clf.tokenizer.pad_token_id or 0
    encoding = clf.encode([(e.prompt, e.completion) for e in train_set], config.max_length)
    labels = torch.tensor([e.label for e in train_set], dtype=torch.long)
    weights = torch.tensor(loss_weights(train_set, config.class_weighting, config.source_weights))
    weights = weights.float()

    def batches_of(epoch: int) -> list[list[int]]:
        order = epoch_order(labels.numpy(), config.class_weighting, config.seed, epoch)
        return [order[i : i + config.batch_size].tolist() for i in range(0, len(order), config.batch_size)]

    total_steps = len(batches_of(0)) * config.epochs
    optimizer, scheduler = _optimizer_and_schedule(model, config, total_steps)
    scaler = make_grad_scaler(device, enabled=config.mixed_precision)

    fingerprint = _fingerprint(config, train_set, val_set)
    state: dict[str, Any] = {  # everything needed to continue; plain values so the checkpoint stays safe
        "epoch": 0,
        "step_in_epoch": 0,
        "global_step": 0,
        "best_score": [-math.inf, -math.inf],
        "best_epoch": None,
        "best_auc": None,
        "epochs_without_improvement": 0,
        "history": [],
        "loss_sum": 0.0,
        "done": False,
    }
    saved = load_checkpoint(checkpoint_dir)
    if saved is not None:
        if saved["fingerprint"] != fingerprint:
            raise ValueError(
                f"the checkpoint in {checkpoint_dir} belongs to another run (different data or config); "
                "delete it or pass another checkpoint_dir"
            )
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        scaler.load_state_dict(saved["scaler"])
        restore_rng_state(saved["rng"])
        state = saved["progress"]
        logger.info("resuming from step %d (epoch %d)", state["global_step"], state["epoch"] + 1)
    resumed_from_step = state["global_step"]

    def checkpoint() -> None:
        save_checkpoint(
            checkpoint_dir,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict(),
                "config": asdict(config),
                "fingerprint": fingerprint,
                "rng": capture_rng_state(),
                "progress": state,
            },
        )

    def result(stopped: bool) -> TrainResult:
        return TrainResult(
            history=[EpochMetrics(**m) for m in state["history"]],
            best_epoch=state["best_epoch"],
            best_auc=state["best_auc"],
            global_step=state["global_step"],
            examples_per_second=trained_examples / train_seconds if train_seconds > 0 else 0.0,
            output_dir=output_dir,
            resumed_from_step=resumed_from_step,
            stopped=stopped,
        )

    trained_examples, train_seconds = 0, 0.0
    while not state["done"]:
        epoch = state["epoch"]
        batches = batches_of(epoch)
        done_already = state["step_in_epoch"]
        bar = tqdm(
            total=len(batches),
            initial=done_already,
            disable=not progress,
            leave=False,
            desc=f"epoch {epoch + 1}/{config.epochs}",
        )
        model.train()
        epoch_start = time.perf_counter()
        for indices in batches[done_already:]:  # a resumed epoch skips the batches it already trained on
            step_start = time.perf_counter()
            batch = {k: v.to(device) for k, v in pad_batch(encoding, indices, pad_id).items()}
            with autocast(device, enabled=config.mixed_precision):
                loss = _batch_loss(
                    model, batch, labels[indices].to(device), weights[indices].to(device), config
                )
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)  # clip the true gradient, not the fp16-scaled one
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            scaler.step(optimizer)  # skipped by the scaler if fp16 gradients overflowed
            scaler.update()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)

            state["global_step"] += 1
            state["step_in_epoch"] += 1
            state["loss_sum"] += loss.item()
            trained_examples += len(indices)
            train_seconds += time.perf_counter() - step_start
            bar.update(1)
            if state["global_step"] % config.log_every == 0:
                running = state["loss_sum"] / state["step_in_epoch"]
                bar.set_postfix(loss=f"{running:.4f}", lr=f"{scheduler.get_last_lr()[0]:.2e}")
                logger.info("step %d loss %.4f", state["global_step"], running)
            if state["global_step"] % config.checkpoint_every == 0:
                checkpoint()
            if should_stop is not None and should_stop():
                checkpoint()
                bar.close()
                return result(stopped=True)
        bar.close()

        metrics = EpochMetrics(
            epoch=epoch + 1,
            global_step=state["global_step"],
            train_loss=state["loss_sum"] / max(state["step_in_epoch"], 1),
            learning_rate=float(scheduler.get_last_lr()[0]),
            seconds=time.perf_counter() - epoch_start,
            **_evaluate(clf, config, val_set),
        )
        # AUC is what matters for a conservative filter; ties (e.g. several epochs at 1.0) go to the lower
        # val loss, and with one val class (AUC undefined) the loss alone decides.
        selection = [metrics.val_auc if metrics.val_auc is not None else 0.0, -metrics.val_loss]
        if selection > state["best_score"]:
            state.update(best_score=selection, best_epoch=epoch + 1, best_auc=metrics.val_auc)
            state["epochs_without_improvement"] = 0
            clf.save(output_dir)
        else:
            state["epochs_without_improvement"] += 1
        patience = config.early_stopping_patience
        state["history"].append(asdict(metrics))
        state.update(epoch=epoch + 1, step_in_epoch=0, loss_sum=0.0)
        state["done"] = state["epoch"] >= config.epochs or (
            patience is not None and state["epochs_without_improvement"] >= patience
        )
        checkpoint()
        logger.info("epoch %d: %s", epoch + 1, metrics)
        if on_epoch is not None:
            on_epoch(metrics)
    return result(stopped=False)
