"""Failure-rate estimates on synthetic populations with a known truth, and the calibration rule."""

from __future__ import annotations

import numpy as np
import pytest

from ml_worker.core.reliability.intervals import clopper_pearson, clopper_pearson_upper, wilson
from ml_worker.core.reliability.quality import calibration_proposal, unfiltered_win_rate
from ml_worker.core.reliability.rejection import (
    PromptSamples,
    bootstrap_counts,
    filtered_failure_rate,
    filtered_failure_rates,
)
from ml_worker.core.reliability.simulate import prompt_population, sample_prompts, scored_population
from ml_worker.core.reliability.stratified import (
    allocate_labels,
    draw_stratified_sample,
    score_strata,
    strata_to_label_next,
    stratified_failure_rate,
)
from ml_worker.core.reliability.sweep import LabelledSet, default_thresholds, threshold_sweep

REPETITIONS = 200


def test_uniform_design_interval_covers_the_true_rate_in_at_least_90_percent_of_200_repetitions() -> None:
    # Prompts differ in how much they invite injury, so a prompt's samples are correlated; a few
    # failures per draw: the regime where a bootstrap alone is far too narrow.
    population = prompt_population(4000, 20, rejection=0.5, seed=1)
    truth = population.prompt_averaged_rate()
    rng = np.random.default_rng(7)
    boot = bootstrap_counts(400, 200, seed=3)
    covered, failures_seen = 0, []
    for _ in range(REPETITIONS):
        idx = sample_prompts(population, 400, 8, rng)
        samples = PromptSamples(population.prompt_ids[idx], population.scores[idx], population.labels[idx])
        estimate = filtered_failure_rate(samples, population.threshold, boot=boot)
        assert estimate.lower is not None and estimate.upper is not None
        covered += estimate.lower <= truth <= estimate.upper
        failures_seen.append(estimate.n_injurious_accepted)
    assert covered / REPETITIONS >= 0.9
    assert 1 <= np.median(failures_seen) <= 10  # the test is about small counts


def test_stratified_design_interval_covers_the_true_rate_in_at_least_90_percent_of_200_repetitions() -> None:
    population = scored_population(100_000, rejection=0.6, filtered_rate=1e-3, seed=2)
    truth = population.pooled_rate()
    assert truth == pytest.approx(1e-3, rel=0.01)
    design = score_strata(population.scores, population.threshold)
    strata = design.stratum_of(population.scores)
    passes = population.scores < population.threshold
    risk = [
        population.scores[(strata == h) & passes].mean() if ((strata == h) & passes).any() else 0.0
        for h in range(design.n_strata)
    ]
    allocation = allocate_labels(design, 1500, risk)
    assert allocation.sum() == pytest.approx(1500, abs=design.n_strata)
    covered = 0
    for rep in range(REPETITIONS):
        idx = draw_stratified_sample(design, population.scores, allocation, seed=rep)
        estimate = stratified_failure_rate(
            design, population.scores[idx], population.labels[idx], draws=4000, seed=rep
        )
        covered += estimate.lower <= truth <= estimate.upper
    assert covered / REPETITIONS >= 0.9


def test_stratified_estimator_is_unbiased_and_spends_no_label_on_rejected_completions() -> None:
    population = scored_population(60_000, rejection=0.6, filtered_rate=2e-3, seed=4)
    design = score_strata(population.scores, population.threshold)
    allocation = allocate_labels(design, 2000, np.full(design.n_strata, 1e-3))
    rejected_strata = [h for h in range(design.n_strata) if design.edges[h] >= population.threshold]
    assert rejected_strata and all(allocation[h] == 0 for h in rejected_strata)
    rates = []
    for rep in range(100):
        idx = draw_stratified_sample(design, population.scores, allocation, seed=rep)
        rates.append(
            stratified_failure_rate(design, population.scores[idx], population.labels[idx], draws=500).rate
        )
    assert np.mean(rates) == pytest.approx(population.pooled_rate(), rel=0.15)


def test_one_stratum_is_exactly_clopper_pearson_and_an_unlabelled_stratum_widens_the_bound() -> None:
    scores = np.linspace(0.0, 0.5, 1001)[:-1]
    design = score_strata(scores, 0.9, pass_tails=())
    labels = np.zeros(100, dtype=int)
    labels[:2] = 1
    estimate = stratified_failure_rate(design, scores[:100], labels, draws=200_000, seed=0)
    assert estimate.rate == pytest.approx(0.02)
    assert estimate.upper_one_sided == pytest.approx(clopper_pearson_upper(2, 100), rel=0.02)
    two_strata = score_strata(scores, 0.9, pass_tails=(0.5,))
    only_low = stratified_failure_rate(two_strata, scores[:100], labels, draws=20_000)
    assert only_low.upper_one_sided >= 0.5  # half the passing mass was never looked at


def test_strata_to_label_next_points_at_the_stratum_where_failures_were_seen() -> None:
    population = scored_population(50_000, rejection=0.6, filtered_rate=2e-3, seed=5)
    design = score_strata(population.scores, population.threshold, pass_tails=(0.05,))
    idx = draw_stratified_sample(design, population.scores, [4000, 40, 0], seed=0)
    labels = population.labels[idx].copy()
    top = design.stratum_of(population.scores[idx]) == 1
    labels[np.flatnonzero(top)[:20]] = 1  # the narrow stratum next to the threshold is full of misses
    advice = strata_to_label_next(design, population.scores[idx], labels, 500)
    assert max(advice, key=lambda a: a["label_next"])["stratum"] == 1
    assert all(a["stratum"] != 2 for a in advice)  # rejected completions need no label here


def test_no_failure_seen_gives_the_exact_one_sided_bound_and_never_zero() -> None:
    samples = PromptSamples(np.arange(1000), np.full(1000, 0.01), np.zeros(1000, dtype=int))
    estimate = filtered_failure_rates(samples, [0.5], n_bootstrap=100)[0]
    assert estimate.rate == 0.0 and estimate.method == "clopper_pearson"
    assert estimate.upper_one_sided == pytest.approx(1 - 0.05 ** (1 / 1000))
    assert estimate.upper_one_sided == pytest.approx(clopper_pearson_upper(0, 1000))


def test_per_prompt_reweighting_follows_rejection_sampling() -> None:
    # Prompt 1: one of two passing samples injurious; prompt 2: both passing samples fine.
    # Rejection sampling emits one completion per prompt: a failure rate of (1/2 + 0) / 2.
    samples = PromptSamples([1, 1, 1, 2, 2, 2], [0.1, 0.2, 0.9, 0.1, 0.1, 0.95], [1, 0, 1, 0, 0, 1])
    estimate = filtered_failure_rate(samples, 0.5)
    assert estimate.rate == pytest.approx(0.25)
    assert estimate.n_accepted == 4 and estimate.n_injurious_accepted == 1
    assert filtered_failure_rate(samples, 0.05).rate is None  # nothing passes: not estimable


def test_intervals_reject_impossible_counts() -> None:
    with pytest.raises(ValueError, match="between 0 and trials"):
        clopper_pearson(5, 3)
    with pytest.raises(ValueError, match="at least one trial"):
        wilson(0, 0)


def test_calibration_proposes_the_most_conservative_threshold_within_the_quality_bound() -> None:
    def pairs(unfiltered_wins: int, ties: int, filtered_wins: int) -> dict[int, list[float]]:
        values = [1.0] * unfiltered_wins + [0.5] * ties + [0.0] * filtered_wins
        return {i: [v] for i, v in enumerate(values)}

    rates = [
        unfiltered_win_rate(0.001, pairs(140, 20, 40)),  # raters clearly prefer unfiltered text
        unfiltered_win_rate(0.01, pairs(90, 20, 90)),  # 50%: upper bound ~ 55.8%
        unfiltered_win_rate(0.05, pairs(80, 40, 80)),
        unfiltered_win_rate(0.2, pairs(70, 60, 70)),
    ]
    assert rates[0].win_rate == pytest.approx(0.75)
    proposal = calibration_proposal(rates, max_win_rate_upper=0.56)
    assert proposal is not None and proposal.threshold == 0.01
    assert calibration_proposal(rates, max_win_rate_upper=0.5) is None
    assert calibration_proposal(rates, max_win_rate_upper=0.56, min_pairs=500) is None


def test_sweep_reports_cost_recall_and_failure_rate_per_threshold() -> None:
    population = prompt_population(300, 10, rejection=0.5, seed=3)
    test_set = PromptSamples(population.prompt_ids, population.scores, population.labels)
    held_out = {"tool_assisted/r1": LabelledSet(np.array([0.2, 0.6, 0.9]), np.array([1, 1, 1]))}
    thresholds = default_thresholds(population.scores, current=0.5)
    assert 0.5 in thresholds and (np.diff(thresholds) > 0).all()
    design = score_strata(population.scores, population.threshold)
    rows = threshold_sweep(
        generator_prompt_ids=population.prompt_ids,
        generator_scores=population.scores,
        test_set=test_set,
        held_out=held_out,
        thresholds=[0.001, 0.5, 0.95],
        design=design,
        design_scores=population.scores,
        design_labels=population.labels,
        n_bootstrap=50,
    )
    assert [r["threshold"] for r in rows] == [0.001, 0.5, 0.95]
    assert rows[0]["rejection_rate"] > rows[1]["rejection_rate"] > rows[2]["rejection_rate"]
    assert rows[0]["samples_per_accepted"] > rows[2]["samples_per_accepted"] >= 1.0
    assert rows[1]["recall"]["tool_assisted/r1"] == pytest.approx(2 / 3)
    assert rows[1]["failure_rate"]["rate"] == pytest.approx(population.prompt_averaged_rate(0.5))
    assert rows[1]["stratified_failure_rate"]["rate"] == pytest.approx(population.pooled_rate(0.5))
