"""Threshold sweeps of a version, computed from what is labelled and stored with their summary."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db import transaction

from gauntlet.errors import Conflict, Invalid
from ml_worker.core.reliability.rejection import PromptSamples
from ml_worker.core.reliability.stratified import (
    StratifiedDesign,
    score_strata,
    strata_to_label_next,
    stratified_failure_rate,
)
from ml_worker.core.reliability.sweep import LabelledSet, default_thresholds, threshold_sweep
from ml_worker.models import ClassifierVersion
from ml_worker.reliability import selectors
from ml_worker.reliability.models import EvaluationSet, EvaluationSetMember, ThresholdSweep
from ml_worker.reliability.services.evaluation import in_distribution_set_top_up
from ml_worker.services.scoring import examples_score


def _score_missing(version: ClassifierVersion) -> int:
    """Score the generator samples and held-out members this version has not scored (model work)."""
    population = selectors.generator_population(version=version)
    ids = set(
        selectors.GeneratedSample.objects.filter(
            batch_id__in=selectors.in_distribution_sets().values("generation_batch_id")
        ).values_list("example_id", flat=True)
    ) | set(EvaluationSetMember.objects.values_list("example_id", flat=True))
    missing = sorted(ids - set(population.example_ids.tolist()))
    return examples_score(example_ids=missing, version=version) if missing else 0


def design_for(version: ClassifierVersion, scores: np.ndarray) -> StratifiedDesign | None:
    return score_strata(scores, version.threshold) if scores.size else None


def threshold_sweep_compute(
    *, version: ClassifierVersion, n_bootstrap: int = 1000, label_budget: int = 200, score: bool = True
) -> ThresholdSweep:
    """Sweep ``version`` over its thresholds and store it. With ``score``, first scores whatever
    generator sample or held-out example it has not scored (the reason this runs on a gpu worker).
    Idempotent in effect: a re-run stores a fresh sweep of the same data (the latest one is shown)."""
    if score:
        _score_missing(version)
    population = selectors.generator_population(version=version)
    test = selectors.in_distribution_labelled(version=version)
    heldout = selectors.heldout_sets(version=version)
    compared = [w.threshold for w in selectors.win_rates(version=version)]
    thresholds = np.unique(
        np.concatenate([default_thresholds(population.scores, version.threshold), compared])
    )
    uniform = test.uniform
    samples = (
        PromptSamples(test.prompt_keys[uniform], test.scores[uniform], test.labels[uniform])
        if uniform.any()
        else None
    )
    design = design_for(version, population.scores)
    rows = threshold_sweep(
        generator_prompt_ids=population.prompt_keys,
        generator_scores=population.scores,
        test_set=samples,
        held_out={name: LabelledSet(s, y) for name, (s, y) in heldout.items()},
        thresholds=thresholds,
        design=design if test.scores.size else None,
        design_scores=test.scores,
        design_labels=test.labels,
        n_bootstrap=n_bootstrap,
    )
    summary: dict[str, Any] = {
        "threshold": version.threshold,
        "generator_samples": int(population.scores.size),
        "unscored_samples": population.unscored,
        "test_set": {**test.counts, "used": int(test.scores.size), "uniform": int(uniform.sum())},
        "held_out": {name: int(s.size) for name, (s, _) in heldout.items()},
    }
    if design is not None and test.scores.size and design.n_passing(version.threshold):
        summary["design"] = design.as_dict()
        summary["stratified_at_threshold"] = stratified_failure_rate(
            design, test.scores, test.labels, version.threshold
        ).as_dict()
        summary["label_next"] = strata_to_label_next(design, test.scores, test.labels, label_budget)
    with transaction.atomic():
        return ThresholdSweep.objects.create(classifier_version=version, rows=rows, summary=summary)


@transaction.atomic
def in_distribution_set_label_next(
    *, evaluation_set: EvaluationSet, version: ClassifierVersion, budget: int, seed: int = 0
) -> dict[str, Any]:
    """Top the test set up where labels tighten the failure-rate bound fastest: ``budget`` more
    generator samples, drawn at random within the score strata ``strata_to_label_next`` names, into
    the set and its label queue. Returns the advice and how many were added."""
    if budget < 1:
        raise Invalid("invalid_budget", "budget must be at least 1.")
    population = selectors.generator_population(version=version)
    test = selectors.in_distribution_labelled(version=version)
    design = design_for(version, population.scores)
    if design is None or not design.n_passing(version.threshold):
        raise Conflict("no_population", "No scored generator sample passes this version's threshold yet.")
    advice = strata_to_label_next(design, test.scores, test.labels, budget)
    members = set(EvaluationSetMember.objects.values_list("example_id", flat=True))
    strata = design.stratum_of(population.scores)
    rng = np.random.default_rng(seed)
    picks: dict[int, list[int]] = {}
    for row in advice:
        candidates = sorted(
            {int(e) for e, h in zip(population.example_ids, strata, strict=True) if h == row["stratum"]}
            - members
        )
        if candidates:
            take = min(row["label_next"], len(candidates))
            picks[row["stratum"]] = [int(e) for e in rng.choice(candidates, size=take, replace=False)]
    added = in_distribution_set_top_up(evaluation_set=evaluation_set, picks=picks)
    return {"advice": advice, "added": added}
