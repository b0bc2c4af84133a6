from __future__ import annotations

import dataclasses
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from ml_worker.core.calibration import roc_auc
from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.training import (
    EpochMetrics,
    TrainConfig,
    TrainExample,
    TrainResult,
    stratified_split,
    train,
)
from ml_worker.core.training.checkpoint import CHECKPOINT_NAME, load_checkpoint
from ml_worker.core.training.data import epoch_order, loss_weights
from ml_worker.core.training.sift import sift_loss
from tests.ml_worker.core import toy
from tests.ml_worker.core.conftest import TOY_TRAIN_CONFIG

SMALL = dataclasses.replace(TOY_TRAIN_CONFIG, epochs=2, checkpoint_every=4)
TRAIN_SET = toy.toy_examples(160, seed=11)
VAL_SET = toy.toy_examples(40, seed=12)


def _run(root: Path, init: Path, config: TrainConfig = SMALL, **kwargs) -> TrainResult:  # type: ignore[no-untyped-def]
    return train(
        config,
        TRAIN_SET,
        VAL_SET,
        init_path=init,
        output_dir=root / "best",
        checkpoint_dir=root / "ckpt",
        progress=False,
        **kwargs,
    )


def test_tiny_model_learns_separable_stories_and_keeps_the_best_epoch(
    trained_toy: tuple[TrainResult, Path],
) -> None:
    result, best_dir = trained_toy
    assert result.global_step == 6 * math.ceil(320 / 16)
    assert [m.epoch for m in result.history] == [1, 2, 3, 4, 5, 6]
    assert result.best_auc is not None and result.best_auc > 0.9
    best = result.history[result.best_epoch - 1]
    assert best.val_auc == result.best_auc
    assert best.val_recall == 1.0 and best.val_false_positive_rate == 0.0
    assert result.history[-1].train_loss < result.history[0].train_loss / 5
    assert result.examples_per_second > 0
    # The saved best model generalises to stories it never saw.
    held_out = toy.toy_examples(60, seed=99)
    clf = InjuryClassifier.load(best_dir, device="cpu")
    scores = clf.score([(e.prompt, e.completion) for e in held_out])
    assert roc_auc(scores, [e.label for e in held_out]) > 0.9


def test_a_stopped_run_resumes_mid_epoch_and_matches_an_uninterrupted_one(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    reference = _run(tmp_path / "reference", tiny_model_dir)
    assert reference.global_step == 20  # 10 steps per epoch x 2

    steps = []
    stopped = _run(tmp_path / "run", tiny_model_dir, should_stop=lambda: steps.append(1) or len(steps) >= 13)
    assert stopped.stopped and stopped.global_step == 13
    assert load_checkpoint(tmp_path / "run" / "ckpt")["progress"]["step_in_epoch"] == 3

    epochs_seen: list[EpochMetrics] = []
    resumed = _run(tmp_path / "run", tiny_model_dir, on_epoch=epochs_seen.append)
    assert resumed.resumed_from_step == 13
    assert resumed.global_step == 20 and not resumed.stopped
    assert [m.epoch for m in epochs_seen] == [2]
    # Same data order, optimizer state and RNG streams: the resumed run ends where the reference did.
    for ours, theirs in zip(resumed.history, reference.history, strict=True):
        assert ours.val_loss == pytest.approx(theirs.val_loss, abs=1e-6)
        assert ours.train_loss == pytest.approx(theirs.train_loss, abs=1e-6)
    final = load_checkpoint(tmp_path / "run" / "ckpt")["model"]
    expected = load_checkpoint(tmp_path / "reference" / "ckpt")["model"]
    for name, tensor in expected.items():
        torch.testing.assert_close(final[name], tensor, atol=1e-6, rtol=0)

    # A finished run called again trains nothing and returns the stored history.
    again = _run(tmp_path / "run", tiny_model_dir)
    assert again.resumed_from_step == 20 and again.global_step == 20 and len(again.history) == 2


def test_a_killed_run_resumes_from_the_last_periodic_checkpoint(tmp_path: Path, tiny_model_dir: Path) -> None:
    steps = []

    def crash() -> bool:
        steps.append(1)
        if len(steps) == 15:
            raise KeyboardInterrupt  # like SIGKILL: no chance to write anything
        return False

    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, tiny_model_dir, should_stop=crash)
    assert [p.name for p in (tmp_path / "ckpt").iterdir()] == [CHECKPOINT_NAME]  # no torn temp files
    resumed = _run(tmp_path, tiny_model_dir)
    assert resumed.resumed_from_step == 12  # checkpoint_every=4: the last one before step 15
    assert resumed.global_step == 20


def test_resuming_with_other_data_is_refused(tmp_path: Path, tiny_model_dir: Path) -> None:
    _run(tmp_path, tiny_model_dir, should_stop=lambda: True)
    with pytest.raises(ValueError, match="belongs to another run"):
        train(
            SMALL,
            TRAIN_SET[1:],
            VAL_SET,
            init_path=tiny_model_dir,
            output_dir=tmp_path / "best",
            checkpoint_dir=tmp_path / "ckpt",
            progress=False,
        )


def test_sift_regulariser_runs_and_gives_a_finite_loss(tmp_path: Path, tiny_model_dir: Path) -> None:
    config = dataclasses.replace(SMALL, epochs=1, sift=True, sift_alpha=1.0)
    result = _run(tmp_path, tiny_model_dir, config=config)
    assert result.global_step == 10
    assert math.isfinite(result.history[0].train_loss) and math.isfinite(result.history[0].val_loss)


def test_sift_perturbation_is_the_only_difference_from_the_clean_forward(tiny_clf: InjuryClassifier) -> None:
    model = tiny_clf.model.eval()
    batch = {
        k: torch.as_tensor(v)
        for k, v in tiny_clf.tokenizer(
            ["tom went to the park .", "anna went ."], ["sam hurt the dog .", "max sang ."], padding=True
        ).items()
    }
    clean = model(**batch).logits
    # Zero noise and zero step: normalising before the model's own LayerNorm changes nothing.
    assert sift_loss(model, batch, clean, noise_std=0.0, step_size=0.0).item() == pytest.approx(0.0, abs=1e-9)
    torch.manual_seed(0)
    small = sift_loss(model, batch, clean, noise_std=1e-2, step_size=0.0).item()
    torch.manual_seed(0)
    adversarial = sift_loss(model, batch, clean, noise_std=1e-2, step_size=1.0)
    assert 0.0 < small < adversarial.item()  # the gradient step finds a worse perturbation than noise
    adversarial.backward()
    assert model.classifier.weight.grad is not None and model.classifier.weight.grad.abs().sum() > 0
    model.zero_grad(set_to_none=True)


def test_oversampling_balances_each_epoch_and_single_class_validation_is_handled(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    imbalanced = toy.toy_examples(120, seed=5, injurious_fraction=0.1)
    counts = Counter(e.label for e in imbalanced)
    safe_only = [e for e in toy.toy_examples(30, seed=6) if e.label == 0]
    config = dataclasses.replace(SMALL, epochs=2, class_weighting="oversample")
    result = train(
        config,
        imbalanced,
        safe_only,
        init_path=tiny_model_dir,
        output_dir=tmp_path / "best",
        checkpoint_dir=tmp_path / "ckpt",
        progress=False,
    )
    # Each epoch: the majority class once plus as many resampled minority examples.
    assert result.global_step == 2 * math.ceil(2 * counts[0] / 16)
    assert all(m.val_auc is None and m.val_recall is None for m in result.history)
    assert result.best_auc is None and result.best_epoch is not None
    assert result.history[result.best_epoch - 1].val_loss == min(m.val_loss for m in result.history)


def test_stratified_split_keeps_label_shares_and_is_deterministic() -> None:
    examples = toy.toy_examples(200, seed=3, injurious_fraction=0.2)
    train_part, val_part = stratified_split(examples, 0.25, seed=7)
    assert len(train_part) + len(val_part) == 200
    positives = sum(e.label for e in examples)
    assert sum(e.label for e in val_part) == round(positives * 0.25)
    assert len(val_part) == round(positives * 0.25) + round((200 - positives) * 0.25)
    assert stratified_split(examples, 0.25, seed=7) == (train_part, val_part)
    assert stratified_split(examples, 0.25, seed=8) != (train_part, val_part)
    ids = {id(e) for e in train_part} | {id(e) for e in val_part}
    assert len(ids) == 200


def test_config_rejects_unknown_weighting_and_documents_every_field() -> None:
    with pytest.raises(ValueError, match="class_weighting"):
        TrainConfig(class_weighting="bogus")  # type: ignore[arg-type]
    assert all(f.metadata.get("help") for f in dataclasses.fields(TrainConfig))
    assert np.isclose(TrainConfig().warmup_ratio, 0.1)


def test_loss_weights_balance_classes_then_apply_source_and_example_weights() -> None:
    examples = [
        TrainExample("p", "c", 1, "tool_assisted"),
        TrainExample("p", "c", 0, "import"),
        TrainExample("p", "c", 0, "import"),
        TrainExample("p", "c", 0, "import", weight=2.0),
    ]
    balanced = loss_weights(examples, "balanced", {})
    # Class weight n / (2 n_class): 2 for the lone positive, 2/3 per negative; times the example's own
    # weight; normalised to mean 1. Source weights are not asked for here.
    expected = np.array([2.0, 2 / 3, 2 / 3, 4 / 3])
    np.testing.assert_allclose(balanced, expected / expected.mean())
    sourced = loss_weights(examples, "none", {"tool_assisted": 3.0})
    np.testing.assert_allclose(sourced, np.array([3.0, 1.0, 1.0, 2.0]) / 1.75)


def test_epoch_order_is_a_fixed_permutation_per_epoch_and_oversampling_balances() -> None:
    labels = np.array([1] * 3 + [0] * 9)
    first = epoch_order(labels, "none", seed=5, epoch=0)
    assert sorted(first.tolist()) == list(range(12))
    np.testing.assert_array_equal(epoch_order(labels, "none", seed=5, epoch=0), first)
    assert not np.array_equal(epoch_order(labels, "none", seed=5, epoch=1), first)
    oversampled = epoch_order(labels, "oversample", seed=5, epoch=0)
    assert len(oversampled) == 18
    assert (labels[oversampled] == 1).sum() == 9
