"""Held-out splits: decided by the text, idempotent, and never in a training snapshot."""

from __future__ import annotations

import pytest

from gauntlet.common.benchmarks import BenchOptions
from ml_worker.benchmarks.failure_rate import bench_failure_rate
from ml_worker.models import EvaluationSetMember
from ml_worker.reliability.services.evaluation import heldout_assign
from ml_worker.services.training import training_data_snapshot
from tests.ml_worker.factories import labelled_examples

pytestmark = pytest.mark.django_db


def test_a_held_out_example_is_always_held_out_and_never_trained_on(settings) -> None:
    examples = labelled_examples(40, seed=2)
    settings.GAUNTLET_HELDOUT_FRACTION = 0.5
    joined = [heldout_assign(example=e, source="tool_assisted", round="v1") for e in examples]
    held = [e for e, s in zip(examples, joined, strict=True) if s is not None]
    assert 5 < len(held) < 35  # about half, by a hash of the text
    assert {s.name for s in joined if s is not None} == {"heldout-tool_assisted-v1"}
    again = [heldout_assign(example=e, source="tool_assisted", round="v1") for e in examples]
    assert [s is not None for s in again] == [s is not None for s in joined]  # idempotent
    assert EvaluationSetMember.objects.count() == len(held)
    snapshot = training_data_snapshot()
    trained = {example_id for example_id, _ in snapshot["examples"]}
    assert not trained & {e.pk for e in held}
    assert trained == {e.pk for e in examples} - {e.pk for e in held}
    assert snapshot["held_out_excluded"] == len(held)
    settings.GAUNTLET_HELDOUT_FRACTION = 0.0
    assert heldout_assign(example=held[0], source="manual", round="v2") is not None  # stays where it was


def test_failure_rate_benchmark_quick_form_prints_every_figure() -> None:
    figures = bench_failure_rate(BenchOptions(quick=True))
    for key in (
        "coverage_uniform",
        "coverage_stratified",
        "labels_needed_uniform",
        "labels_needed_stratified",
        "uniform_over_stratified",
    ):
        assert figures[key] is not None, key
    assert figures["labels_needed_stratified"] < figures["labels_needed_uniform"]
    assert figures["coverage_uniform"] >= 0.9 and figures["coverage_stratified"] >= 0.9
