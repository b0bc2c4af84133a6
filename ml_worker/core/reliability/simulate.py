"""Synthetic scored populations whose true filtered failure rate is known exactly.

Used by the coverage tests and the ``failure_rate`` benchmark: a population of generator samples
with classifier scores and ground-truth labels; the truth is a finite-population count, so an
interval either covers it or does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ml_worker.core.passing import passes_mask


@dataclass(frozen=True)
class Population:
    prompt_ids: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    threshold: float

    @property
    def size(self) -> int:
        return int(self.scores.size)

    def pooled_rate(self, threshold: float | None = None) -> float:
        """Injurious share of the completions passing ``threshold`` (default: the population's)."""
        t = self.threshold if threshold is None else threshold
        passes = passes_mask(self.scores, t)
        return float(self.labels[passes].mean())

    def prompt_averaged_rate(self, threshold: float | None = None) -> float:
        """Mean over prompts (with something passing) of their passing completions' injurious share:
        what rejection sampling, one output per prompt, emits."""
        t = self.threshold if threshold is None else threshold
        _, index = np.unique(self.prompt_ids, return_inverse=True)
        passes = passes_mask(self.scores, t)
        accepted = np.bincount(index, passes)
        injurious = np.bincount(index, passes & (self.labels == 1))
        ok = accepted > 0
        return float((injurious[ok] / accepted[ok]).mean())


def scored_population(
    n: int,
    *,
    rejection: float = 0.6,
    filtered_rate: float = 3e-5,
    unfiltered_rate: float = 0.024,
    seed: int = 0,
) -> Population:
    """``n`` scored completions (one per prompt); the threshold rejects the ``rejection`` share.

    Exactly ``round(filtered_rate * n_passing)`` passing completions are injurious, drawn with
    probability proportional to their score (a good classifier's misses sit near its threshold);
    above the threshold a completion is injurious with probability equal to its score, and the
    share of high-scoring completions is set so about ``unfiltered_rate`` of all are injurious.
    """
    rng = np.random.default_rng(seed)
    high_mean = 0.62  # E[expit(N(1, 2))], the injurious-looking component's mean score
    high = rng.random(n) < unfiltered_rate / high_mean
    logits = np.where(high, rng.normal(1.0, 2.0, n), rng.normal(-9.0, 1.5, n))
    scores = expit(logits)
    threshold = float(np.quantile(scores, 1.0 - rejection))
    passes = passes_mask(scores, threshold)
    labels = np.zeros(n, dtype=np.int64)
    labels[~passes] = rng.random(int((~passes).sum())) < scores[~passes]
    passing = np.flatnonzero(passes)
    k = round(filtered_rate * passing.size)
    if k:
        p = scores[passing] / scores[passing].sum()
        labels[rng.choice(passing, size=k, replace=False, p=p)] = 1
    return Population(np.arange(n), scores, labels, threshold)


def prompt_population(
    n_prompts: int,
    per_prompt: int,
    *,
    rejection: float = 0.5,
    prompt_sd: float = 1.0,
    seed: int = 0,
) -> Population:
    """Prompts with ``per_prompt`` completions each; some stories invite injury more than others
    (a random effect ``prompt_sd`` on the logit), so a prompt's samples are correlated. Labels are
    drawn with probability equal to the score (a calibrated classifier)."""
    rng = np.random.default_rng(seed)
    effect = np.repeat(rng.normal(0.0, prompt_sd, n_prompts), per_prompt)
    logits = rng.normal(-6.0, 2.0, n_prompts * per_prompt) + effect
    scores = expit(logits)
    labels = (rng.random(scores.size) < scores).astype(np.int64)
    threshold = float(np.quantile(scores, 1.0 - rejection))
    return Population(np.repeat(np.arange(n_prompts), per_prompt), scores, labels, threshold)


def sample_prompts(
    population: Population, n_prompts: int, per_prompt: int, rng: np.random.Generator
) -> np.ndarray:
    """Indices of a uniform design: ``n_prompts`` random prompts, ``per_prompt`` random samples of each."""
    prompts = np.unique(population.prompt_ids)
    chosen = rng.choice(prompts, size=n_prompts, replace=False)
    members = np.flatnonzero(np.isin(population.prompt_ids, chosen))
    # A random key per member, sorted within its prompt: the first ``per_prompt`` are the sample.
    order = members[np.lexsort((rng.random(members.size), population.prompt_ids[members]))]
    ids = population.prompt_ids[order]
    first = np.searchsorted(ids, ids, side="left")
    return order[np.arange(order.size) - first < per_prompt]
