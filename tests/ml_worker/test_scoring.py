"""Bulk scoring: every example gets a score from the active version, once, cached by content hash."""

from __future__ import annotations

import pytest

from ml_worker import runtime, tasks
from ml_worker.models import Score
from tests.ml_worker.factories import example_create

pytestmark = pytest.mark.django_db


def test_score_unscored_gives_every_example_one_score_from_the_active_version(tiny_version) -> None:
    examples = [
        example_create(f"anna went to the river {i} .", f"max {v} the cat .")
        for i, v in enumerate(["smiled", "hurt", "sang", "bled"])
    ]
    assert tasks.score_unscored.delay().get() == 4
    assert tasks.score_unscored.delay().get() == 0  # idempotent: nothing left to do
    scores = Score.objects.filter(classifier_version=tiny_version)
    assert sorted(scores.values_list("example_id", flat=True)) == [e.pk for e in examples]
    assert all(0.0 <= s.probability <= 1.0 for s in scores)
    assert all(s.content_hash == s.example.content_hash for s in scores)


def test_same_text_in_another_batch_reuses_the_cached_score_without_the_model(
    tiny_version, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = example_create("lily went to the beach .", "sam cut the bird .", batch="one")
    tasks.score_examples.delay([first.pk], tiny_version.pk).get()
    twin = example_create("lily went to the beach .", "sam cut the bird .", batch="two")

    def no_model(version: object) -> object:
        raise AssertionError("the model ran for a text that was already scored")

    monkeypatch.setattr(runtime, "classifier_for", no_model)
    assert tasks.score_examples.delay([twin.pk], tiny_version.pk).get() == 1
    assert Score.objects.get(example=twin).probability == Score.objects.get(example=first).probability


def test_scores_match_the_model_and_do_not_depend_on_batching(tiny_version) -> None:
    pairs = [("tom went to the park .", "ella hurt the dog ."), ("a", "tom smiled quietly .")]
    examples = [example_create(p, c) for p, c in pairs]
    tasks.score_examples.delay([e.pk for e in examples], tiny_version.pk).get()
    direct = runtime.classifier_for(tiny_version).score([pairs[1]])[0]
    assert Score.objects.get(example=examples[1]).probability == pytest.approx(direct, abs=1e-5)


def test_score_unscored_is_single_flight(tiny_version) -> None:
    from gauntlet.common.single_flight import single_flight

    example_create("nora fed the goats .", "tom kicked the goat .")
    with single_flight("score-unscored", ttl_seconds=60) as mine:  # a run already in progress
        assert mine
        assert tasks.score_unscored.delay().get() is None  # the second run does nothing
        assert not Score.objects.filter(classifier_version=tiny_version).exists()
    assert tasks.score_unscored.delay().get() == 1  # the lock went with the first run


def test_a_worker_keeps_a_few_versions_loaded_least_recently_used_out(tiny_version, settings) -> None:
    from ml_worker.models import ClassifierVersion

    settings.GAUNTLET_LOADED_MODELS = 2
    versions = [tiny_version] + [
        ClassifierVersion.objects.create(
            name=f"{tiny_version.name}-copy{n}",
            base_model=tiny_version.base_model,
            artifact_uri=tiny_version.artifact_uri,
            status="ready",
            threshold=tiny_version.threshold,
        )
        for n in range(2)
    ]
    first = runtime.classifier_for(versions[0])
    runtime.classifier_for(versions[1])
    assert runtime.classifier_for(versions[0]) is first  # still loaded: no reload
    runtime.classifier_for(versions[2])  # evicts versions[1], the least recently used
    assert runtime.loaded_version_ids() == [versions[0].pk, versions[2].pk]
    assert runtime.classifier_for(versions[0]) is first
