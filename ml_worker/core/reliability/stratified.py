"""Labels where they tighten the bound fastest: a score-stratified design and its estimator.

Every generator sample is scored, so which completions pass at a threshold is known without a
label; only *whether the passing ones are injurious* needs people. Failures that get through a
good classifier sit just below the threshold, so we cut the scores into strata (narrow ones next
to the threshold, one wide one for the confidently safe bulk, one or more above it for sweeps to
higher thresholds), draw a simple random sample without replacement inside each, and estimate

    rate(t) = sum_h N_h * x_h(t) / n_h  /  N_pass(t)

where x_h(t) counts sampled injurious completions of stratum h scoring below t. This is the
Horvitz-Thompson estimator of the design (inclusion probability n_h / N_h), unbiased whatever
the allocation; N_pass(t) is a known population count, not an estimate.

Interval ("stratified Clopper-Pearson"): per stratum, the distributions whose quantiles give the
exact binomial bounds, Beta(x+1, n-x) for the upper and Beta(x, n-x+1) for the lower; the bounds
of the weighted sum are Monte-Carlo quantiles of the sum of independent draws. With one stratum
this *is* Clopper-Pearson. A stratum with no label contributes its whole passing mass to the upper
bound (it could all be injurious); a fully labelled one contributes its exact value.

A floor no design beats: certifying rate <= B with no failure seen in a stratum holding a share W
of the passing mass takes about 3 W / B labels there (rule of three). The gain of stratifying is
that nothing is spent on rejected completions and the failures near the threshold are counted
precisely with few labels, instead of inflating a uniform sample's bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.special import betaincinv

from ml_worker.core.passing import passes_mask

ArrayLike = Sequence[float] | np.ndarray

# Shares of the passing mass, counted down from the threshold, that get their own stratum.
DEFAULT_PASS_TAILS = (0.01,)


@dataclass(frozen=True)
class StratifiedDesign:
    """Strata on the score axis: stratum h holds scores in [edges[h], edges[h + 1])."""

    edges: tuple[float, ...]
    population: tuple[int, ...]  # N_h
    threshold: float  # the threshold the strata were cut around
    sorted_scores: np.ndarray = field(repr=False, compare=False)

    @property
    def n_strata(self) -> int:
        return len(self.population)

    def stratum_of(self, scores: ArrayLike) -> np.ndarray:
        s = np.asarray(scores, dtype=np.float64)
        return np.clip(np.searchsorted(np.asarray(self.edges), s, side="right") - 1, 0, self.n_strata - 1)

    def n_passing(self, threshold: float) -> int:
        return int(np.searchsorted(self.sorted_scores, threshold, side="left"))

    def passing_in_stratum(self, threshold: float) -> np.ndarray:
        """How many population units of each stratum score below ``threshold``."""
        edges = np.asarray(self.edges)
        lo = np.searchsorted(self.sorted_scores, edges[:-1], side="left")
        hi = np.searchsorted(self.sorted_scores, np.minimum(edges[1:], threshold), side="left")
        # The last edge is above every score (see score_strata): the top stratum is closed.
        return np.maximum(hi - lo, 0)

    def as_dict(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "population": list(self.population), "threshold": self.threshold}


def score_strata(
    scores: ArrayLike,
    threshold: float,
    *,
    pass_tails: Sequence[float] = DEFAULT_PASS_TAILS,
    reject_strata: int = 1,
) -> StratifiedDesign:
    """Cut the population's scores into strata around ``threshold`` (see the module docstring)."""
    s = np.sort(np.asarray(scores, dtype=np.float64))
    if s.size == 0:
        raise ValueError("a design needs the scores of the population")
    passing = s[passes_mask(s, threshold)]
    rejected = s[~passes_mask(s, threshold)]
    cuts = {0.0, float(threshold)}
    for tail in pass_tails:
        if passing.size and 0 < tail < 1:
            cuts.add(float(np.quantile(passing, 1 - tail)))
    for i in range(1, reject_strata):
        if rejected.size:
            cuts.add(float(np.quantile(rejected, i / reject_strata)))
    # The top edge lies above every score, so the last stratum is closed on the right.
    top = float(np.nextafter(max(1.0, float(s[-1])), np.inf))
    edges = sorted(c for c in cuts if 0.0 <= c < top) + [top]
    counts = np.diff(np.searchsorted(s, edges, side="left"))
    return StratifiedDesign(tuple(edges), tuple(int(c) for c in counts), float(threshold), s)


def _cp_upper_draws(x: np.ndarray, n: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Per stratum, draws whose quantiles are the exact upper bounds of x/n (shape size × strata)."""
    out = np.ones((size, x.size))
    for h in range(x.size):
        if n[h] > 0 and x[h] < n[h]:
            out[:, h] = rng.beta(x[h] + 1, n[h] - x[h], size)
    return out


def _cp_lower_draws(x: np.ndarray, n: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros((size, x.size))
    for h in range(x.size):
        if n[h] > 0 and x[h] > 0:
            out[:, h] = rng.beta(x[h], n[h] - x[h] + 1, size) if x[h] < n[h] else 1.0
    return out


@dataclass(frozen=True)
class StratifiedEstimate:
    """``rate`` is None when a stratum that holds completions passing at ``threshold`` has no label
    (its share is then bounded, not estimated: the upper bound counts it all as injurious)."""

    threshold: float
    rate: float | None
    lower: float
    upper: float
    upper_one_sided: float
    n_labelled: int
    n_injurious_passing: int
    confidence: float
    per_stratum: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stratum_counts(
    design: StratifiedDesign, sample_scores: ArrayLike, sample_labels: ArrayLike, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """(labelled, injurious-and-passing at ``threshold``) counts per stratum of a labelled sample."""
    s = np.asarray(sample_scores, dtype=np.float64)
    y = np.asarray(sample_labels, dtype=np.int64)
    h = design.stratum_of(s)
    n = np.bincount(h, minlength=design.n_strata)
    x = np.bincount(h, weights=(y == 1) & passes_mask(s, threshold), minlength=design.n_strata)
    return x, n


def stratified_failure_rate(
    design: StratifiedDesign,
    sample_scores: ArrayLike,
    sample_labels: ArrayLike,
    threshold: float | None = None,
    *,
    confidence: float = 0.95,
    draws: int = 20000,
    seed: int = 0,
) -> StratifiedEstimate:
    """The Horvitz-Thompson estimate at ``threshold`` (default: the design's) with its intervals."""
    t = design.threshold if threshold is None else float(threshold)
    n_pass = design.n_passing(t)
    if n_pass == 0:
        raise ValueError("no completion of the population passes at this threshold")
    x, n = stratum_counts(design, sample_scores, sample_labels, t)
    big_n = np.asarray(design.population, dtype=np.float64)
    passing_h = design.passing_in_stratum(t).astype(np.float64)
    relevant = passing_h > 0  # strata with nothing passing at t contribute exactly 0
    if (n > big_n).any():
        raise ValueError("a stratum has more labelled samples than population units")
    with np.errstate(invalid="ignore", divide="ignore"):
        p_hat = np.where(n > 0, x / np.maximum(n, 1), 0.0)
    share = np.where(relevant, big_n / n_pass, 0.0)
    point = float((share * p_hat).sum())
    # With a stratum that can pass at t but has no label, there is no unbiased estimate (only bounds).
    rate = None if (relevant & (n == 0)).any() else point
    rng = np.random.default_rng(seed)
    census = n >= big_n  # a fully labelled stratum is known exactly
    up = _cp_upper_draws(x, n, draws, rng)
    lo = _cp_lower_draws(x, n, draws, rng)
    up[:, census], lo[:, census] = p_hat[census], p_hat[census]
    # A proportion of stratum units that pass *and* injure cannot exceed the passing share.
    cap = np.where(big_n > 0, passing_h / np.maximum(big_n, 1), 0.0)
    up, lo = np.minimum(up, cap), np.minimum(lo, cap)
    alpha = 1 - confidence
    upper_sum, lower_sum = up @ share, lo @ share
    per_stratum = [
        {
            "stratum": h,
            "score_from": design.edges[h],
            "score_to": design.edges[h + 1],
            "population": int(big_n[h]),
            "passing": int(passing_h[h]),
            "labelled": int(n[h]),
            "injurious_passing": int(x[h]),
        }
        for h in range(design.n_strata)
    ]
    return StratifiedEstimate(
        threshold=t,
        rate=rate,
        lower=float(np.quantile(lower_sum, alpha / 2)),
        upper=max(point, float(np.quantile(upper_sum, 1 - alpha / 2))),
        upper_one_sided=max(point, float(np.quantile(upper_sum, confidence))),
        n_labelled=int(n.sum()),
        n_injurious_passing=int(x.sum()),
        confidence=confidence,
        per_stratum=per_stratum,
    )


def _expected_upper(share: np.ndarray, risk: np.ndarray, n: np.ndarray, confidence: float) -> np.ndarray:
    """Each stratum's contribution to the upper bound if ``n`` labels see the expected failures."""
    n = np.asarray(n, dtype=np.float64)
    x = np.minimum(risk * n, np.maximum(n - 1e-9, 0.0))
    bound = betaincinv(x + 1.0, np.maximum(n - x, 1e-9), confidence)
    return np.where(n > 0, share * bound, share)


def allocate_labels(
    design: StratifiedDesign,
    total: int,
    risk: ArrayLike,
    threshold: float | None = None,
    *,
    confidence: float = 0.95,
    already: ArrayLike | None = None,
    steps: int = 200,
) -> np.ndarray:
    """Labels per stratum (on top of ``already``) that minimise the expected one-sided upper bound.

    ``risk`` is each stratum's guessed rate of injurious-and-passing units: the classifier's mean
    score in the stratum when nothing is labelled yet, the observed (x + 1/2) / (n + 1) once some
    are. Greedy in ``steps`` chunks: each chunk goes to the stratum whose expected bound
    contribution drops most per label. The estimator stays unbiased whatever this returns; a poor
    guess only costs labels. Strata with nothing passing at the threshold get none.
    """
    t = design.threshold if threshold is None else float(threshold)
    big_n = np.asarray(design.population, dtype=np.float64)
    passing_h = design.passing_in_stratum(t).astype(np.float64)
    share = passing_h / max(design.n_passing(t), 1)
    risk_h = np.clip(np.asarray(risk, dtype=np.float64), 0.0, 1.0)
    have = np.zeros(design.n_strata) if already is None else np.asarray(already, dtype=np.float64)
    extra = np.zeros(design.n_strata)
    chunk = max(1.0, total / steps)
    left = float(total)
    while left >= 1:
        room = np.where(passing_h > 0, big_n - have - extra, 0.0)
        take = np.minimum(min(chunk, left), room)
        if not (take > 0).any():
            break
        n0 = have + extra
        now = _expected_upper(share, risk_h, n0, confidence)
        after = _expected_upper(share, risk_h, n0 + take, confidence)
        gain = np.where(take > 0, (now - after) / np.maximum(take, 1.0), -np.inf)
        best = int(np.argmax(gain))
        extra[best] += take[best]
        left -= take[best]
    return np.floor(extra).astype(np.int64)


def draw_stratified_sample(
    design: StratifiedDesign, population_scores: ArrayLike, per_stratum: ArrayLike, seed: int = 0
) -> np.ndarray:
    """Indices into ``population_scores``: a simple random sample without replacement per stratum."""
    rng = np.random.default_rng(seed)
    strata = design.stratum_of(population_scores)
    chosen = []
    for h, k in enumerate(np.asarray(per_stratum, dtype=np.int64)):
        members = np.flatnonzero(strata == h)
        if k > 0 and members.size:
            chosen.append(rng.choice(members, size=min(int(k), members.size), replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def strata_to_label_next(
    design: StratifiedDesign,
    sample_scores: ArrayLike,
    sample_labels: ArrayLike,
    budget: int,
    threshold: float | None = None,
    *,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """Where the next ``budget`` labels tighten the upper bound fastest, given what is labelled.

    Uses the observed rate per stratum, (x + 1/2) / (n + 1), as the risk guess."""
    t = design.threshold if threshold is None else float(threshold)
    x, n = stratum_counts(design, sample_scores, sample_labels, t)
    risk = (x + 0.5) / (n + 1.0)
    extra = allocate_labels(design, budget, risk, t, confidence=confidence, already=n)
    return [
        {
            "stratum": h,
            "score_from": design.edges[h],
            "score_to": design.edges[h + 1],
            "labelled": int(n[h]),
            "label_next": int(extra[h]),
        }
        for h in range(design.n_strata)
        if extra[h] > 0
    ]
