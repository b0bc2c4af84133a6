"""The simulation's story world: every kind of injury and near miss, and an oracle that agrees with
the labels it composed and judges edited text."""

from __future__ import annotations

from ml_worker.core.generation.factory import build_generator
from ml_worker.core.story_kinds import KINDS, injury_spans, story_kinds_examples, story_truth


def test_the_world_has_every_kind_and_near_misses_and_its_oracle_agrees() -> None:
    stories = story_kinds_examples(600, seed=3)
    assert {s.kind for s in stories if s.label} == set(KINDS)
    assert {s.kind for s in stories if s.near_miss} == set(KINDS)
    assert all(story_truth(s.completion) == s.label for s in stories)
    assert story_kinds_examples(50, seed=3) == stories[:50]  # deterministic in its seed


def test_the_oracle_reads_edits() -> None:
    assert story_truth("Suddenly Tom broke a wrist.") == 1
    assert story_truth("Suddenly Tom almost broke a wrist.") == 0  # negated by the word before
    assert story_truth("Suddenly Tom broke a wrists.") == 0  # the injury phrase is broken
    assert story_truth("Tom slipped on the wet stones but caught the railing just in time.") == 0
    assert story_truth("Tom laughed, and someone had to call an ambulance.") == 1  # an aftermath alone
    text = "Tom was hit by a car and broke a leg."
    ((start, end),) = injury_spans(text)
    assert text[start:end] == "was hit by a car and broke a leg"  # the fullest phrase, once


def test_the_generator_composes_from_the_kinds_world_with_its_truth() -> None:
    generator = build_generator("story_world", injury_rate=0.3, world="kinds")
    assert generator.settings() == {"injury_rate": 0.3, "world": "kinds"}
    assert build_generator("story_world", injury_rate=0.3).settings() == {"injury_rate": 0.3}
    samples = generator.generate(["Ann went to the beach. It was sunny. Ann swam."] * 40, k=3, seed=1)
    assert all(story_truth(s.completion) == s.intended_label for s in samples)
    assert 0 < sum(s.intended_label or 0 for s in samples) < len(samples)
