"""Settings and results of a fine-tuning run (plain dataclasses; the config is stored in checkpoints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ml_worker.core.training.data import ClassWeighting


@dataclass
class TrainConfig:
    """Hyper-parameters of one fine-tuning run (stored in every checkpoint)."""

    lr: float = field(default=5e-5, metadata={"help": "Peak AdamW learning rate (after warm-up)."})
    epochs: int = field(default=4, metadata={"help": "Maximum number of passes over the training set."})
    batch_size: int = field(default=16, metadata={"help": "Training examples per optimizer step."})
    eval_batch_size: int = field(default=64, metadata={"help": "Examples per forward pass when validating."})
    warmup_ratio: float = field(
        default=0.1, metadata={"help": "Fraction of all steps spent warming up the LR."}
    )
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW decay (not on biases or LayerNorm)."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Clip the global gradient norm to this."})
    seed: int = field(default=0, metadata={"help": "Seeds the head, shuffling (seed + epoch) and dropout."})
    max_length: int = field(default=256, metadata={"help": "Token limit per pair; only the prompt is cut."})
    class_weighting: ClassWeighting = field(
        default="balanced",
        metadata={
            "help": "balanced: loss weights n/(2 n_class); oversample: resample the rarer class each "
            "epoch up to the larger one's count; none: plain loss."
        },
    )
    source_weights: dict[str, float] = field(
        default_factory=dict,
        metadata={"help": "Loss multiplier per example source (e.g. {'tool_assisted': 2.0}); default 1."},
    )
    sift: bool = field(default=False, metadata={"help": "Add SiFT virtual adversarial regularisation."})
    sift_alpha: float = field(default=1.0, metadata={"help": "Weight of the SiFT symmetric-KL term."})
    sift_epsilon: float = field(
        default=1e-4,
        metadata={"help": "SiFT power-iteration step in normalised-embedding units (DeBERTa's)."},
    )
    sift_noise: float = field(default=1e-2, metadata={"help": "Std of SiFT's initial Gaussian perturbation."})
    early_stopping_patience: int | None = field(
        default=2, metadata={"help": "Stop after this many epochs without a better val AUC; None: never."}
    )
    threshold: float = field(default=0.5, metadata={"help": "Rejection threshold for val recall and FPR."})
    device: str | None = field(default=None, metadata={"help": "cpu, cuda, cuda:1 ...; None picks one."})
    mixed_precision: bool = field(default=True, metadata={"help": "bf16/fp16 autocast on CUDA (never CPU)."})
    log_every: int = field(default=50, metadata={"help": "Log the running loss every this many steps."})
    checkpoint_every: int = field(default=200, metadata={"help": "Also checkpoint every this many steps."})

    def __post_init__(self) -> None:
        if self.class_weighting not in ("balanced", "none", "oversample"):
            raise ValueError(
                f"class_weighting must be balanced, none or oversample, not {self.class_weighting!r}"
            )
        if self.epochs < 1 or self.batch_size < 1 or self.checkpoint_every < 1 or self.log_every < 1:
            raise ValueError("epochs, batch_size, checkpoint_every and log_every must be positive")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")


@dataclass
class EpochMetrics:
    epoch: int  # 1-based
    global_step: int
    train_loss: float  # weighted training loss averaged over the epoch's steps
    val_loss: float  # unweighted cross-entropy on the validation set
    val_auc: float | None  # None when the validation set holds one class only
    val_recall: float | None  # injurious rejected at config.threshold
    val_false_positive_rate: float | None  # safe rejected at config.threshold
    learning_rate: float
    seconds: float


@dataclass
class TrainResult:
    history: list[EpochMetrics]
    best_epoch: int | None  # 1-based; the model saved in output_dir
    best_auc: float | None
    global_step: int
    examples_per_second: float  # training throughput of this call (0.0 if it trained nothing)
    output_dir: Path
    resumed_from_step: int  # 0 for a fresh run
    stopped: bool  # True when should_stop ended the run early (call again to continue)
