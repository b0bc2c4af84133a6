from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from transformers import AutoTokenizer

from ml_worker.core.bare import (
    bare_batch_throughput,
    bare_forward_latency_ms,
    bare_train_throughput,
)
from ml_worker.core.calibration import roc_auc
from ml_worker.core.classifier import InjuryClassifier, default_backbone_path
from ml_worker.core.story_world import StoryPair, synthetic_story_pairs
from tests.ml_worker.core import toy


def test_synthetic_stories_are_about_80_tokens_labelled_and_reproducible() -> None:
    stories = synthetic_story_pairs(300, seed=4, injurious_fraction=0.3)
    assert stories == synthetic_story_pairs(300, seed=4, injurious_fraction=0.3)
    assert stories != synthetic_story_pairs(300, seed=5, injurious_fraction=0.3)
    assert abs(np.mean([s.label for s in stories]) - 0.3) < 0.07
    tokenizer = AutoTokenizer.from_pretrained(default_backbone_path())
    lengths = [len(tokenizer(s.prompt, s.completion)["input_ids"]) for s in stories]
    assert 72 <= np.mean(lengths) <= 90
    for story in stories[:20]:
        assert story.prompt.count(". ") == 2 and story.prompt.endswith(".")  # three sentences
        assert story.completion.count(".") == 1 and story.completion.endswith(".")  # one sentence
    assert len({s.completion for s in stories}) > 250  # varied, not a handful of templates


def test_a_bag_of_words_model_can_learn_the_injury_label() -> None:
    vectorizer = CountVectorizer()
    train, test = synthetic_story_pairs(400, seed=1), synthetic_story_pairs(200, seed=2)
    features = vectorizer.fit_transform([s.completion for s in train])
    model = LogisticRegression(max_iter=1000).fit(features, [s.label for s in train])
    scores = model.predict_proba(vectorizer.transform([s.completion for s in test]))[:, 1]
    assert roc_auc(scores, [s.label for s in test]) > 0.95
    # The prompt alone says nothing about the label: both classes share the same prompt distribution.
    prompt_model = LogisticRegression(max_iter=1000).fit(
        vectorizer.fit_transform([s.prompt for s in train]), [s.label for s in train]
    )
    prompt_scores = prompt_model.predict_proba(vectorizer.transform([s.prompt for s in test]))[:, 1]
    assert roc_auc(prompt_scores, [s.label for s in test]) < 0.7


def test_bare_timings_are_positive_numbers(tiny_clf: InjuryClassifier, tiny_model_dir: Path) -> None:
    stories = [StoryPair(e.prompt, e.completion, e.label) for e in toy.toy_examples(40, seed=0)]
    latencies = bare_forward_latency_ms(tiny_clf, stories, n=5)
    assert len(latencies) == 5 and all(ms > 0 for ms in latencies)
    assert bare_batch_throughput(tiny_clf, stories, batch_size=16) > 0
    assert (
        bare_train_throughput(tiny_model_dir, stories, batch_size=8, steps=2, device="cpu", max_length=48) > 0
    )
