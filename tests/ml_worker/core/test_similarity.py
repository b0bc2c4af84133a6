from __future__ import annotations

import numpy as np
import pytest

from ml_worker.core.similarity import (
    SentenceEncoder,
    cosine_similarity,
    edit_distance,
    normalized_edit_distance,
)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("kitten", "sitting", 3),
        ("", "", 0),
        ("abc", "", 3),
        ("flaw", "lawn", 2),
        ("same", "same", 0),
        ("ab", "ba", 2),
    ],
)
def test_levenshtein_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_normalized_edit_distance_runs_from_zero_to_one() -> None:
    assert normalized_edit_distance("kitten", "sitting") == pytest.approx(3 / 7)
    assert normalized_edit_distance("", "") == 0.0
    assert normalized_edit_distance("abc", "xyz") == 1.0
    # wrist -> arm: w->a, keep r, i->m, drop s, drop t: 4 edits over the longer 20 characters.
    assert normalized_edit_distance("She broke her wrist.", "She broke her arm.") == pytest.approx(4 / 20)


def test_cosine_similarity_of_vectors_and_matrices() -> None:
    assert cosine_similarity(np.array([1.0, 0.0]), np.array([2.0, 0.0])) == pytest.approx(1.0)
    assert cosine_similarity(np.array([1.0, 0.0]), np.array([0.0, 3.0])) == pytest.approx(0.0)
    matrix = cosine_similarity(
        np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [-1.0, 0.0], [0.0, 2.0]])
    )
    np.testing.assert_allclose(matrix, [[2**-0.5, -1.0, 0.0], [2**-0.5, 0.0, 1.0]])


def test_minilm_sentence_vectors_are_unit_length_and_rank_meaning(sentence_encoder: SentenceEncoder) -> None:
    encoder = sentence_encoder
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse.", "Hi"]
    vectors = encoder.encode(texts, batch_size=2)
    assert vectors.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(encoder.encode(texts[::-1])[::-1], vectors, atol=1e-5)  # order-independent
    food, bread, horse = vectors[0], vectors[1], vectors[2]
    assert float(food @ bread) > float(food @ horse) + 0.2
    assert encoder.similarity(texts[0], texts[0]) == pytest.approx(1.0, abs=1e-5)
    assert encoder.encode([]).shape == (0, 384)
