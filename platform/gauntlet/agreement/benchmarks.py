"""Consensus benchmark: majority vote, Dawid–Skene and Krippendorff's alpha on a
seeded synthetic crowd, against the bare library calls in the same run.

Full size: 200,000 items x 5 raters (1,000,000 labels) drawn from 50 raters of
known quality (good, sloppy, spammers, label-flipping adversaries). Our timings
are end to end (validation, encoding, unsure policy, per-item results); the bare
baselines are the crowd-kit / krippendorff calls alone on pre-shaped input.
``recovered_accuracy`` counts an undecided item as not recovered.
Params: ``items``, ``raters``, ``per_item``, ``seed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

from gauntlet.agreement.consensus import ItemConsensus, dawid_skene, majority_vote, quiet_crowdkit
from gauntlet.agreement.metrics import krippendorff_alpha
from gauntlet.agreement.synthetic import synthetic_crowd
from gauntlet.agreement.table import UNSURE, label_table
from gauntlet.common.benchmarks import Benchmark, BenchOptions

T = TypeVar("T")


def _timed(run: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def _recovered(consensus: Mapping[Any, ItemConsensus], truth: np.ndarray) -> tuple[float, int]:
    labels = np.array([consensus[item].label for item in range(len(truth))], dtype=object)
    undecided = sum(1 for result in consensus.values() if not result.decided)
    return float((labels == truth).mean()), undecided


def run_consensus(options: BenchOptions) -> dict[str, Any]:
    import krippendorff
    from crowdkit.aggregation import DawidSkene, MajorityVote

    n_items = options.get_int("items", 2_000 if options.quick else 200_000)
    n_raters = options.get_int("raters", 20 if options.quick else 50)
    per_item = options.get_int("per_item", 5)
    crowd = synthetic_crowd(
        n_items=n_items, n_raters=n_raters, raters_per_item=per_item, seed=options.get_int("seed", 0)
    )
    labels = crowd.labels

    mv, seconds_majority = _timed(lambda: majority_vote(labels))
    ds, seconds_dawid_skene = _timed(lambda: dawid_skene(labels))
    alpha, seconds_alpha = _timed(lambda: krippendorff_alpha(labels))

    raw = labels.rename(columns={"item": "task", "rater": "worker"})
    votes = raw[raw["label"] != UNSURE]
    with quiet_crowdkit():  # as in our wrappers: warnings cost time and are not ours to fix
        _, bare_majority = _timed(lambda: MajorityVote().fit_predict(votes))
        _, bare_dawid_skene = _timed(lambda: DawidSkene().fit_predict(votes))

    table = label_table(labels)
    reliability = np.full((table.n_raters, table.n_items), np.nan)
    reliability[table.rater_index, table.item_index] = table.label_index
    bare_alpha, bare_seconds_alpha = _timed(
        lambda: krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    )

    mv_accuracy, mv_undecided = _recovered(mv, crowd.truth)
    ds_accuracy, ds_undecided = _recovered(ds, crowd.truth)
    return {
        "n_labels": int(len(labels)),
        "n_items": n_items,
        "n_raters": n_raters,
        "rater_kinds": {kind: crowd.kinds.count(kind) for kind in sorted(set(crowd.kinds))},
        "seconds_majority": seconds_majority,
        "seconds_dawid_skene": seconds_dawid_skene,
        "seconds_alpha": seconds_alpha,
        "seconds_bare_majority": bare_majority,
        "seconds_bare_dawid_skene": bare_dawid_skene,
        "seconds_bare_alpha": bare_seconds_alpha,
        "ratio_majority": seconds_majority / bare_majority,
        "ratio_dawid_skene": seconds_dawid_skene / bare_dawid_skene,
        "ratio_alpha": seconds_alpha / bare_seconds_alpha,
        "krippendorff_alpha": alpha,
        "bare_krippendorff_alpha": float(bare_alpha),
        "mv_recovered_accuracy": mv_accuracy,
        "ds_recovered_accuracy": ds_accuracy,
        "mv_undecided": mv_undecided,
        "ds_undecided": ds_undecided,
    }


BENCHMARKS = [
    Benchmark(
        name="consensus",
        help=(
            "Majority vote, Dawid-Skene and Krippendorff's alpha on 1,000,000 synthetic labels "
            "(200k items x 5 of 50 raters incl. spammers and adversaries) vs bare crowd-kit/krippendorff; "
            "params: items, raters, per_item, seed"
        ),
        run=run_consensus,
    )
]
