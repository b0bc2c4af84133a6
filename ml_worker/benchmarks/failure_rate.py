"""The ``failure_rate`` benchmark: labels needed to bound a rare filtered failure rate, two designs.

Population: ``population`` (1,000,000) scored generator samples from
``ml_worker.core.reliability.simulate.scored_population``: about 2.4% injurious unfiltered, a
threshold rejecting ``rejection`` (60%) of them, exactly ``filtered_rate`` (3e-5) of the passing
ones injurious. Target: a one-sided 95% upper bound <= ``bound`` (1e-4).

*Uniform* (the bare baseline, what the published programme did): label a simple random sample of
unfiltered samples; the passing ones give an exact Clopper-Pearson bound (one sample per prompt,
so the bootstrap over prompts adds nothing the exact interval does not already cover).
*Stratified*: label only where the classifier's scores say failures can hide, allocated by
``allocate_labels`` from the scores alone (no label is looked at), estimated by the stratified
Horvitz-Thompson estimator with its stratified Clopper-Pearson bound.

``labels_needed_*``: the smallest label count on a 5%-step grid whose median bound over
``draws`` seeded samples is <= the target. ``coverage_*``: the share of ``repetitions`` seeded
samples (at that label count) whose two-sided 95% interval holds the true rate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gauntlet.common.benchmarks import BenchOptions
from ml_worker.core.passing import passes_mask, rejects_mask
from ml_worker.core.reliability.intervals import clopper_pearson, clopper_pearson_upper
from ml_worker.core.reliability.simulate import Population, scored_population
from ml_worker.core.reliability.stratified import (
    StratifiedDesign,
    allocate_labels,
    score_strata,
    stratified_failure_rate,
)


def _uniform(pop: Population, n: int, seed: int) -> tuple[float, float, float]:
    """(one-sided upper, two-sided lower, two-sided upper) from ``n`` uniform unfiltered labels."""
    idx = np.random.default_rng(seed).choice(pop.size, size=n, replace=False)
    passes = passes_mask(pop.scores[idx], pop.threshold)
    trials = int(passes.sum())
    failures = int(pop.labels[idx][passes].sum())
    lower, upper = clopper_pearson(failures, trials)
    return clopper_pearson_upper(failures, trials), lower, upper


class _Stratified:
    def __init__(self, pop: Population) -> None:
        self.pop = pop
        self.design: StratifiedDesign = score_strata(pop.scores, pop.threshold)
        strata = self.design.stratum_of(pop.scores)
        self.members = [np.flatnonzero(strata == h) for h in range(self.design.n_strata)]
        passes = passes_mask(pop.scores, pop.threshold)
        # The label-free risk guess: the classifier's mean score over each stratum's passing part.
        self.risk = np.array(
            [float(pop.scores[m][passes[m]].mean()) if passes[m].any() else 0.0 for m in self.members]
        )

        self.allocations: dict[int, np.ndarray] = {}

    def allocation(self, n: int) -> np.ndarray:
        if n not in self.allocations:
            self.allocations[n] = allocate_labels(self.design, n, self.risk)
        return self.allocations[n]

    def __call__(self, n: int, seed: int) -> tuple[float, float, float]:
        rng = np.random.default_rng(seed)
        alloc = self.allocation(n)
        idx = np.concatenate(
            [rng.choice(m, size=int(k), replace=False) for m, k in zip(self.members, alloc, strict=True) if k]
        )
        est = stratified_failure_rate(self.design, self.pop.scores[idx], self.pop.labels[idx], seed=seed)
        return est.upper_one_sided, est.lower, est.upper


def _labels_needed(
    design: Callable[[int, int], tuple[float, float, float]], bound: float, draws: int, start: int, limit: int
) -> int | None:
    """Double until the median bound meets the target, then bisect to 2%."""

    def meets(n: int) -> bool:
        return float(np.median([design(n, seed)[0] for seed in range(draws)])) <= bound

    low, high = start, start
    while not meets(high):
        if high >= limit:
            return None
        low, high = high, min(limit, high * 2)
    while high - low > max(1, low // 50):
        middle = (low + high) // 2
        low, high = (low, middle) if meets(middle) else (middle, high)
    return high


def _coverage(
    design: Callable[[int, int], tuple[float, float, float]], n: int, truth: float, reps: int
) -> float:
    hits = 0
    for seed in range(1000, 1000 + reps):
        _, lower, upper = design(n, seed)
        hits += lower <= truth <= upper
    return hits / reps


def bench_failure_rate(options: BenchOptions) -> dict[str, Any]:
    size = options.get_int("population", 50_000 if options.quick else 1_000_000)
    rejection = float(options.params.get("rejection", 0.6))
    filtered_rate = float(options.params.get("filtered_rate", 3e-5 if not options.quick else 2e-3))
    bound = float(options.params.get("bound", 1e-4 if not options.quick else 1e-2))
    draws = options.get_int("draws", 3 if options.quick else 9)
    reps = options.get_int("repetitions", 20 if options.quick else 200)
    started = time.perf_counter()
    pop = scored_population(
        size, rejection=rejection, filtered_rate=filtered_rate, seed=options.get_int("seed", 0)
    )
    truth = pop.pooled_rate()
    stratified = _Stratified(pop)
    start = max(50, int(0.5 / bound))
    needed_s = _labels_needed(stratified, bound, draws, start, size)
    needed_u = _labels_needed(lambda n, seed: _uniform(pop, n, seed), bound, draws, start, size)
    figures: dict[str, Any] = {
        "population": size,
        "true_filtered_rate": truth,
        "rejection_rate": float(rejects_mask(pop.scores, pop.threshold).mean()),
        "unfiltered_rate": float(pop.labels.mean()),
        "bound": bound,
        "labels_needed_uniform": needed_u,
        "labels_needed_stratified": needed_s,
        "uniform_over_stratified": round(needed_u / needed_s, 2) if needed_u and needed_s else None,
        "target_ratio": 10.0,
        # No design certifies rate <= bound with fewer labels than this, even seeing no failure
        # (rule of three: P(no failure in n draws at rate = bound) <= 5%).
        "labels_floor_any_design": math.ceil(-math.log(0.05) / bound),
        "coverage_uniform": _coverage(
            lambda n, seed: _uniform(pop, n, seed), needed_u or size // 2, truth, reps
        ),
        "coverage_stratified": _coverage(stratified, needed_s or size // 2, truth, reps),
        "repetitions": reps,
        "strata": stratified.design.as_dict(),
        "stratified_allocation": [
            int(k) for k in allocate_labels(stratified.design, needed_s or 0, stratified.risk)
        ],
    }
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures
