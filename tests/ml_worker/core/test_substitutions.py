from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertForMaskedLM

from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.lexicon import Lexicon
from ml_worker.core.similarity import SentenceEncoder
from ml_worker.core.substitutions import MaskedLM, suggest_substitutions
from ml_worker.core.training import TrainResult
from ml_worker.core.vocabulary import expand_to_word, match_case, replace_span, whole_word_tokens
from tests.ml_worker.core import toy

PROMPT = "tom went to the park . it was sunny ."
COMPLETION = "anna hurt the dogs quietly ."
HURT = (COMPLETION.index("hurt"), COMPLETION.index("hurt") + 4)


def _assert_exact_and_sorted(clf: InjuryClassifier, result, prompt: str, completion: str) -> None:  # type: ignore[no-untyped-def]
    scores = [s.score for s in result.suggestions]
    assert scores == sorted(scores)
    rescored = clf.score([(s.prompt, s.completion) for s in result.suggestions], batch_size=1)
    np.testing.assert_allclose(rescored, scores, atol=1e-5)
    assert result.original_score == pytest.approx(clf.score([(prompt, completion)])[0], abs=1e-5)


@pytest.fixture
def toy_tools(sentence_encoder: SentenceEncoder, toy_lexicon: Lexicon) -> dict[str, object]:
    return {"encoder": sentence_encoder, "lexicon": toy_lexicon}


def test_suggestions_are_whole_words_sorted_by_their_exact_rescored_probability(
    tiny_clf: InjuryClassifier, toy_tools: dict[str, object]
) -> None:
    result = suggest_substitutions(
        tiny_clf,
        PROMPT,
        COMPLETION,
        field="completion",
        start=HURT[0],
        end=HURT[1],
        k=200,
        **toy_tools,  # type: ignore[arg-type]
    )
    assert result.word == "hurt" and (result.start, result.end) == HURT
    _assert_exact_and_sorted(tiny_clf, result, PROMPT, COMPLETION)
    assert {s.kind for s in result.suggestions} == {
        "substitution",
        "insertion_before",
        "insertion_after",
        "deletion",
    }
    assert len({(s.prompt, s.completion) for s in result.suggestions}) == len(result.suggestions)
    assert len(result.suggestions) <= 64
    before, after = COMPLETION[: HURT[0]], COMPLETION[HURT[1] :]
    for s in result.suggestions:
        assert s.prompt == PROMPT
        assert s.text == "" or (s.text.isalpha() and s.text in toy.VOCAB and s.text != "hurt")
        assert s.similarity is not None and s.similarity >= 0.8  # the sentence-similarity constraint
        expected = {
            "substitution": before + s.text + after,
            "insertion_before": before + s.text + " hurt" + after,
            "insertion_after": before + "hurt " + s.text + after,
            "deletion": "anna the dogs quietly .",
        }[s.kind]
        assert s.completion == expected


def test_k_limits_the_list_and_prompt_words_can_be_edited_too(
    tiny_clf: InjuryClassifier, toy_tools: dict[str, object]
) -> None:
    start = PROMPT.index("park")
    result = suggest_substitutions(
        tiny_clf,
        PROMPT,
        COMPLETION,
        field="prompt",
        start=start + 1,
        end=start + 3,
        k=5,
        **toy_tools,  # type: ignore[arg-type]
    )
    assert result.word == "park"  # a selection inside a word edits the whole word
    assert 1 <= len(result.suggestions) <= 5
    assert all(s.completion == COMPLETION and s.prompt != PROMPT for s in result.suggestions)
    _assert_exact_and_sorted(tiny_clf, result, PROMPT, COMPLETION)


def test_a_selected_subword_piece_edits_its_whole_word(
    tiny_clf: InjuryClassifier, toy_tools: dict[str, object]
) -> None:
    s_piece = COMPLETION.index("dogs") + 3  # the "##s" piece
    result = suggest_substitutions(
        tiny_clf,
        PROMPT,
        COMPLETION,
        field="completion",
        start=s_piece,
        end=s_piece + 1,
        min_similarity=None,
        **toy_tools,  # type: ignore[arg-type]
    )
    assert result.word == "dogs"
    deletion = next(s for s in result.suggestions if s.kind == "deletion")
    assert deletion.completion == "anna hurt the quietly ."


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (5, 100, "does not lie within the text"),
        (-1, 3, "does not lie within"),
        (4, 4, "start < end"),
        (4, 5, "whitespace"),
    ],
)
def test_spans_outside_the_text_are_refused_clearly(
    tiny_clf: InjuryClassifier, start: int, end: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        suggest_substitutions(
            tiny_clf, PROMPT, COMPLETION, field="completion", start=start, end=end, min_similarity=None
        )
    with pytest.raises(ValueError, match="field must be"):
        suggest_substitutions(tiny_clf, PROMPT, COMPLETION, field="title", start=0, end=3)  # type: ignore[arg-type]


def test_on_a_trained_model_safe_verbs_replace_the_injury_first(
    trained_toy: tuple[TrainResult, Path], sentence_encoder: SentenceEncoder, toy_lexicon: Lexicon
) -> None:
    clf = InjuryClassifier.load(trained_toy[1], device="cpu", max_length=48)
    # Every toy word is a neighbour (no word-similarity floor), so safe verbs are offered for "hurt".
    everything = dataclasses.replace(toy_lexicon, min_similarity=-1.0)
    prompt, completion = "tom went to the park .", "anna hurt the dog ."
    # A pool covering the whole toy vocabulary: every edit is re-scored, so the order is the true one.
    result = suggest_substitutions(
        clf,
        prompt,
        completion,
        field="completion",
        start=5,
        end=9,
        k=500,
        candidate_pool=500,
        neighbourhood=500,
        min_similarity=None,
        encoder=sentence_encoder,
        lexicon=everything,
    )
    assert result.original_score > 0.9
    top = result.suggestions[0]
    assert top.text in toy.SAFE_VERBS and top.score < 0.1
    substitutions = {s.text: s.score for s in result.suggestions if s.kind == "substitution"}
    assert max(substitutions[v] for v in toy.SAFE_VERBS) < min(
        substitutions[v] for v in toy.INJURY_VERBS if v != "hurt"
    )
    _assert_exact_and_sorted(clf, result, prompt, completion)


def test_masked_lm_candidates_are_rescored_the_same_way(tiny_clf: InjuryClassifier, tmp_path: Path) -> None:
    toy.write_tokenizer(tmp_path)
    torch.manual_seed(0)
    BertForMaskedLM(toy.tiny_config()).save_pretrained(tmp_path)
    mlm = MaskedLM.load(tmp_path, device="cpu")
    result = suggest_substitutions(
        tiny_clf,
        PROMPT,
        COMPLETION,
        field="completion",
        start=HURT[0],
        end=HURT[1],
        k=50,
        masked_lm=mlm,
        candidate_pool=13,
        min_similarity=None,
    )
    # Pool of 13: 1 deletion, 3 insertions on each side, 6 substitutions.
    kinds = [s.kind for s in result.suggestions]
    assert (kinds.count("deletion"), kinds.count("insertion_before"), kinds.count("insertion_after")) == (
        1,
        3,
        3,
    )
    assert kinds.count("substitution") == 6
    assert all(s.estimate is None or s.estimate <= 0.0 for s in result.suggestions)  # log-probabilities
    assert all(s.text == "" or s.text in toy.VOCAB for s in result.suggestions)
    _assert_exact_and_sorted(tiny_clf, result, PROMPT, COMPLETION)
    by_path = suggest_substitutions(
        tiny_clf,
        PROMPT,
        COMPLETION,
        field="completion",
        start=HURT[0],
        end=HURT[1],
        k=50,
        masked_lm=tmp_path,
        candidate_pool=13,
        min_similarity=None,
    )
    assert [s.completion for s in by_path.suggestions] == [s.completion for s in result.suggestions]


def test_vocabulary_helpers(tiny_clf: InjuryClassifier) -> None:
    _, words = whole_word_tokens(tiny_clf.tokenizer)
    assert "hurt" in words
    assert not {"[PAD]", "[unused0]", "##s", ".", "42", "[MASK]"} & set(words)
    assert expand_to_word("she bruised it", 6, 8) == (4, 11)
    assert match_case("injured", "HURT") == "INJURED"
    assert match_case("injured", "Hurt") == "Injured"
    assert replace_span("anna hurt the dog .", 5, 9, "") == "anna the dog ."
    assert replace_span("hurt the dog", 0, 4, "") == "the dog"
    assert replace_span("the dog hurt .", 8, 12, "") == "the dog ."


def test_a_masked_lm_is_held_to_the_similarity_constraint_too(
    tiny_clf: InjuryClassifier, tmp_path: Path, sentence_encoder: SentenceEncoder
) -> None:
    toy.write_tokenizer(tmp_path)
    torch.manual_seed(0)
    BertForMaskedLM(toy.tiny_config()).save_pretrained(tmp_path)
    mlm = MaskedLM.load(tmp_path, device="cpu")
    strict = suggest_substitutions(
        tiny_clf,
        PROMPT,
        COMPLETION,
        field="completion",
        start=HURT[0],
        end=HURT[1],
        k=50,
        masked_lm=mlm,
        min_similarity=0.97,
        encoder=sentence_encoder,
    )
    similarities = sentence_encoder.encode([COMPLETION, *(s.completion for s in strict.suggestions)])
    assert all(float(v @ similarities[0]) >= 0.97 - 1e-4 for v in similarities[1:])


def _friend_suggestions(clf: InjuryClassifier, encoder: object):  # type: ignore[no-untyped-def]
    """The top 24 edits of "friend" in the issue's example story (a pool of 24)."""
    prompt = "Tom went to the farm with his best friend. It was warm. Tom cooked lunch."
    completion = "Suddenly Tom grabbed the hot pan and knocked into his best friend, who burned both palms."
    start = completion.index("friend")
    return suggest_substitutions(
        clf,
        prompt,
        completion,
        field="completion",
        start=start,
        end=start + len("friend"),
        k=24,
        candidate_pool=24,
        encoder=encoder,  # type: ignore[arg-type]
    )


def test_without_a_masked_lm_suggestions_are_dictionary_words_close_in_meaning(
    minilm_clf: InjuryClassifier, sentence_encoder: SentenceEncoder
) -> None:
    """The issue's example: fragments ("ge"), names ("jim") and unrelated words are not offered."""
    result = _friend_suggestions(minilm_clf, sentence_encoder)
    words = [s.text for s in result.suggestions if s.kind == "substitution"]
    assert words and not {"ge", "jim", "bird"} & set(words)
    assert {"buddy", "mate", "pal", "brother", "fellow", "companion"} & set(words)
    assert all(s.similarity is not None and s.similarity >= 0.8 for s in result.suggestions)


class _CountingEncoder:
    """A sentence encoder that counts the texts it is asked to encode."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.encoder, self.texts = encoder, 0

    def encode(self, texts, batch_size: int = 64):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return self.encoder.encode(texts, batch_size)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.encoder, name)  # its tokenizer and model, for the thesaurus


def test_the_similarity_constraint_checks_only_the_candidates_the_pool_can_use(
    minilm_clf: InjuryClassifier, sentence_encoder: SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice the pool is generated so that the constraint can drop some; candidates are checked in their
    pre-ranked order only while their kind's share of the pool is not full, so a one-word edit's request
    (nearly every candidate keeps its meaning) encodes about the pool, not every generated candidate,
    and suggests exactly what checking every candidate suggests."""
    import ml_worker.core.substitutions as substitutions

    def suggest(encoder: object) -> list[tuple[str, str, float]]:
        result = _friend_suggestions(minilm_clf, encoder)
        assert all(s.similarity is not None and s.similarity >= 0.8 for s in result.suggestions)
        return [(s.text, s.kind, round(s.score, 5)) for s in result.suggestions]

    lazy, every = _CountingEncoder(sentence_encoder), _CountingEncoder(sentence_encoder)
    checked_lazily = suggest(lazy)

    def check_every_candidate(edits, encoder, text, index, min_similarity, candidate_pool):  # type: ignore[no-untyped-def]
        vectors = encoder.encode([text, *(pair[index] for pair in edits)])
        similarities = dict(zip(edits, (vectors[1:] @ vectors[0]).tolist(), strict=True))
        return {p: e for p, e in edits.items() if similarities[p] >= min_similarity}, similarities

    monkeypatch.setattr(substitutions, "_similar_enough", check_every_candidate)
    assert suggest(every) == checked_lazily
    assert lazy.texts < every.texts  # fewer encoded for the same suggestions
