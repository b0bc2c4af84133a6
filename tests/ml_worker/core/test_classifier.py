from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertModel

from ml_worker.core.classifier import InjuryClassifier, default_backbone_path
from tests.ml_worker.core import toy

PAIRS = [
    ("tom went to the park .", "anna hurt the dog ."),
    ("it was a sunny day . tom went to the river with his sister and then it was warm .", "max sang ."),
    ("lily went to the house .", "sam broke the cat and then bled quietly with her brother ."),
    ("", "ella waved ."),
]


def test_scores_are_probabilities_in_input_order_whatever_the_batching(tiny_clf: InjuryClassifier) -> None:
    scores = tiny_clf.score(PAIRS)
    assert scores.shape == (4,)
    assert scores.dtype == np.float64
    assert ((scores > 0) & (scores < 1)).all()
    # Length-sorted batches must be unsorted again: any batch size and any input order give the same numbers.
    np.testing.assert_allclose(tiny_clf.score(PAIRS, batch_size=1), scores, atol=1e-6)
    np.testing.assert_allclose(tiny_clf.score(PAIRS[::-1], batch_size=3)[::-1], scores, atol=1e-6)
    assert tiny_clf.score([]).shape == (0,)


def test_score_is_softmax_of_the_injurious_logit(tiny_clf: InjuryClassifier) -> None:
    encoded = tiny_clf.tokenizer(PAIRS[2][0], PAIRS[2][1], return_tensors="pt")
    with torch.no_grad():
        logits = tiny_clf.model(**encoded).logits[0]
    expected = float(torch.softmax(logits, dim=-1)[1])
    assert tiny_clf.score([PAIRS[2]])[0] == pytest.approx(expected, abs=1e-6)


def test_long_prompts_lose_their_beginning_and_the_completion_stays_whole(tiny_clf: InjuryClassifier) -> None:
    prompt = " ".join(["tom went to the park ."] * 10) + " then anna smiled ."
    completion = "sam hurt the dog ."
    encoding = tiny_clf.encode([(prompt, completion)], max_length=16)
    ids = encoding["input_ids"][0]
    assert len(ids) == 16
    segments = encoding.sequence_ids(0)
    kept_prompt = [i for i, s in zip(ids, segments, strict=True) if s == 0]
    kept_completion = [i for i, s in zip(ids, segments, strict=True) if s == 1]
    tokenizer = tiny_clf.tokenizer
    assert tokenizer.convert_ids_to_tokens(kept_completion) == tokenizer.tokenize(completion)
    assert tokenizer.convert_ids_to_tokens(kept_prompt)[-4:] == ["then", "anna", "smiled", "."]
    assert len(kept_prompt) == 16 - 3 - len(kept_completion)
    assert tiny_clf.score([(prompt, completion)], max_length=16).shape == (1,)


def test_a_completion_longer_than_the_limit_is_refused_with_the_limit_named(
    tiny_clf: InjuryClassifier,
) -> None:
    completion = " ".join(["sam hurt the dog ."] * 5)  # 25 tokens
    with pytest.raises(ValueError, match=r"max_length=16 a completion may have at most 12 tokens"):
        tiny_clf.score([("tom went .", completion)], max_length=16)


def test_save_and_load_round_trip_gives_identical_scores(tiny_clf: InjuryClassifier, tmp_path: Path) -> None:
    tiny_clf.save(tmp_path / "copy")
    again = InjuryClassifier.load(tmp_path / "copy", device="cpu")
    np.testing.assert_array_equal(again.score(PAIRS), tiny_clf.score(PAIRS))


def test_fresh_heads_on_a_bare_encoder_are_reproducible_per_seed(tmp_path: Path) -> None:
    toy.write_tokenizer(tmp_path)
    BertModel(toy.tiny_config()).save_pretrained(tmp_path)  # an encoder without any classification head
    first = InjuryClassifier.from_backbone(tmp_path, device="cpu", seed=3).score(PAIRS)
    second = InjuryClassifier.from_backbone(tmp_path, device="cpu", seed=3).score(PAIRS)
    other = InjuryClassifier.from_backbone(tmp_path, device="cpu", seed=4).score(PAIRS)
    np.testing.assert_array_equal(first, second)
    assert np.abs(first - other).max() > 1e-4


def test_missing_model_directory_is_reported_not_downloaded(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        InjuryClassifier.load(tmp_path / "nope")


def test_default_backbone_is_the_bundled_minilm_with_a_seeded_two_way_head(
    minilm_clf: InjuryClassifier,
) -> None:
    assert minilm_clf.model.config.num_labels == 2
    assert minilm_clf.model.config.hidden_size == 384
    assert Path(default_backbone_path()).is_dir()
    pairs = [(p, c) for p, c, _ in [(e.prompt, e.completion, e.label) for e in toy.toy_examples(3, seed=0)]]
    scores = minilm_clf.score(pairs)
    assert ((scores > 0) & (scores < 1)).all()
    again = InjuryClassifier.from_backbone(device="cpu", seed=0).score(pairs)
    np.testing.assert_allclose(again, scores, atol=1e-6)
