"""In-distribution failure rate of rejection-sampling filtering, from labelled *unfiltered* samples.

Rejection sampling on prompt j (draw completions until one scores below the threshold) emits the
unfiltered distribution of prompt j conditioned on passing. So the filtered generator's failure
rate is the average over prompts of P(injurious | passes, prompt j), and from k labelled
unfiltered samples of prompt j (importance weights w when they were not drawn uniformly)

    r_j = sum_i w_i [injurious_i and passes_i] / sum_i w_i [passes_i]

and the estimate is the mean of r_j over the prompts with at least one passing sample. Given how
many of a prompt's samples pass, the injurious ones among them are a simple random subset, so r_j
is unbiased for that prompt's filtered rate.

Interval: a bootstrap over prompts (samples of one prompt are correlated: one story may invite
injury) *joined* with an exact Clopper-Pearson interval on Kish's effective sample size. The
bootstrap alone is far too narrow when only a handful of failures were seen (with none it is
[0, 0]); the exact interval alone ignores the clustering. The union is never narrower than either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ml_worker.core.passing import passes_mask
from ml_worker.core.reliability.intervals import clopper_pearson, clopper_pearson_upper

ArrayLike = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class FilteredFailureRate:
    """P(injurious) of what the filtered generator emits at ``threshold``, with its intervals.

    ``lower``/``upper`` are two-sided at ``confidence``; ``upper_one_sided`` is the one-sided bound
    a sign-off quotes ("at most ... with 95% confidence"). ``method`` says which interval decided
    the upper bound: ``clopper_pearson`` (always when no failure was seen) or ``bootstrap``.
    """

    threshold: float
    rate: float | None
    lower: float | None
    upper: float | None
    upper_one_sided: float | None
    n_prompts: int
    n_accepted: int
    n_injurious_accepted: int
    effective_sample_size: float
    confidence: float
    method: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PromptSamples:
    """Labelled unfiltered samples grouped by prompt, prepared once for many thresholds."""

    def __init__(
        self,
        prompt_ids: ArrayLike | Sequence[int] | Sequence[str],
        scores: ArrayLike,
        labels: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> None:
        self.scores = np.asarray(scores, dtype=np.float64)
        self.labels = np.asarray(labels, dtype=np.int64)
        n = self.scores.size
        if self.scores.ndim != 1 or self.labels.shape != self.scores.shape or len(prompt_ids) != n:
            raise ValueError("prompt_ids, scores and labels must be 1-D and the same length")
        if not np.isin(self.labels, (0, 1)).all():
            raise ValueError("labels must be 0 (not injurious) or 1 (injurious)")
        self.weights = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        if self.weights.shape != self.scores.shape or (self.weights < 0).any():
            raise ValueError("weights must be non-negative and match scores in length")
        _, self.prompt_index = np.unique(np.asarray(prompt_ids), return_inverse=True)
        self.n_prompts = int(self.prompt_index.max()) + 1 if n else 0

    def per_prompt(self, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(accepted mass, injurious accepted mass, passes mask) per prompt / per sample."""
        passes = passes_mask(self.scores, threshold)
        accepted = np.bincount(self.prompt_index, self.weights * passes, minlength=self.n_prompts)
        injurious = np.bincount(
            self.prompt_index, self.weights * passes * self.labels, minlength=self.n_prompts
        )
        return accepted, injurious, passes


def bootstrap_counts(n_prompts: int, n_bootstrap: int, seed: int) -> np.ndarray:
    """How often each prompt appears in each of ``n_bootstrap`` resamples of the prompts (float32)."""
    rng = np.random.default_rng(seed)
    counts = np.empty((n_bootstrap, n_prompts), dtype=np.float32)
    for b in range(n_bootstrap):
        counts[b] = np.bincount(rng.integers(n_prompts, size=n_prompts), minlength=n_prompts)
    return counts


def filtered_failure_rate(
    samples: PromptSamples,
    threshold: float,
    *,
    confidence: float = 0.95,
    boot: np.ndarray | None = None,
) -> FilteredFailureRate:
    """The estimate at one threshold. ``boot`` (from :func:`bootstrap_counts`) adds the bootstrap
    over prompts; without it the interval is the exact one alone."""
    accepted, injurious, passes = samples.per_prompt(threshold)
    ok = accepted > 0
    n_ok = int(ok.sum())
    n_accepted = int(passes.sum())
    n_inj = int((passes & (samples.labels == 1)).sum())
    if n_ok == 0:
        return FilteredFailureRate(
            threshold, None, None, None, None, 0, 0, 0, 0.0, confidence, "not_estimable"
        )
    per_prompt = injurious[ok] / accepted[ok]
    rate = float(per_prompt.mean())
    # Each passing sample's weight in the mean of ratios: w_i / (accepted mass of its prompt) / n_ok.
    unit = np.where(passes, samples.weights / np.where(ok, accepted, 1.0)[samples.prompt_index], 0.0)
    n_eff = float(unit.sum() ** 2 / (unit**2).sum())
    lower, upper = clopper_pearson(rate * n_eff, n_eff, confidence)
    upper_one = clopper_pearson_upper(rate * n_eff, n_eff, confidence)
    method = "clopper_pearson"
    if boot is not None and n_inj > 0:
        picked = boot[:, ok]
        resampled = (picked @ per_prompt) / np.maximum(picked.sum(axis=1), 1.0)
        alpha = 1 - confidence
        b_lo, b_hi, b_one = np.quantile(resampled, [alpha / 2, 1 - alpha / 2, confidence])
        lower = min(lower, float(b_lo))
        if b_one > upper_one:
            method = "bootstrap"
        upper, upper_one = max(upper, float(b_hi)), max(upper_one, float(b_one))
    return FilteredFailureRate(
        threshold=float(threshold),
        rate=rate,
        lower=lower,
        upper=upper,
        upper_one_sided=upper_one,
        n_prompts=n_ok,
        n_accepted=n_accepted,
        n_injurious_accepted=n_inj,
        effective_sample_size=n_eff,
        confidence=confidence,
        method=method,
    )


def filtered_failure_rates(
    samples: PromptSamples,
    thresholds: ArrayLike,
    *,
    confidence: float = 0.95,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> list[FilteredFailureRate]:
    """:func:`filtered_failure_rate` at every threshold, sharing one set of bootstrap resamples."""
    boot = (
        bootstrap_counts(samples.n_prompts, n_bootstrap, seed) if n_bootstrap and samples.n_prompts else None
    )
    return [
        filtered_failure_rate(samples, float(t), confidence=confidence, boot=boot)
        for t in np.asarray(thresholds, dtype=np.float64)
    ]
