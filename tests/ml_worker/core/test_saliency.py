from __future__ import annotations

import pytest
import torch

from ml_worker.core.classifier import InjuryClassifier
from ml_worker.core.saliency import saliency_and_score, token_saliency

PROMPT = "tom went to the park . it was sunny ."
COMPLETION = "anna bruised the dogs quietly ."


def _make_one_token_dominant(clf: InjuryClassifier, token: str) -> None:
    """Give every word a large embedding and `token` a tiny one.

    The embedding LayerNorm divides by each position's standard deviation, so the logit is ~1000x more
    sensitive to the tiny-norm token's embedding than to any other: its gradient must stand out.
    """
    weight = clf.model.get_input_embeddings().weight
    with torch.no_grad():
        generator = torch.Generator().manual_seed(0)
        weight.copy_(torch.randn(weight.shape, generator=generator) * 10.0)
        weight[clf.tokenizer.convert_tokens_to_ids(token)] *= 0.001


def test_the_token_the_model_is_most_sensitive_to_ranks_first_and_its_offsets_slice_the_word(
    tiny_clf: InjuryClassifier,
) -> None:
    _make_one_token_dominant(tiny_clf, "bruised")
    saliency = token_saliency(tiny_clf, PROMPT, COMPLETION)
    top = max(saliency, key=lambda s: s.gradient)
    assert (top.field, top.token) == ("completion", "bruised")
    assert COMPLETION[top.start : top.end] == "bruised"
    runner_up = sorted(s.gradient for s in saliency)[-2]
    assert top.gradient > 100 * runner_up


def test_every_non_special_token_is_listed_with_offsets_into_its_own_field(
    tiny_clf: InjuryClassifier,
) -> None:
    saliency = token_saliency(tiny_clf, PROMPT, COMPLETION)
    assert [s.token for s in saliency] == tiny_clf.tokenizer.tokenize(PROMPT) + tiny_clf.tokenizer.tokenize(
        COMPLETION
    )
    for item in saliency:
        text = PROMPT if item.field == "prompt" else COMPLETION
        assert text[item.start : item.end] == item.token.removeprefix("##")
    assert [s.token for s in saliency if s.field == "completion"][3:5] == ["dog", "##s"]


def test_gradient_matches_a_finite_difference_and_grad_x_input_is_the_dot_product(
    tiny_clf: InjuryClassifier,
) -> None:
    saliency = token_saliency(tiny_clf, PROMPT, COMPLETION)
    encoded = tiny_clf.tokenizer(PROMPT, COMPLETION, return_tensors="pt")
    position = 1 + len(tiny_clf.tokenizer.tokenize(PROMPT)) + 1 + 1  # [CLS] prompt [SEP] anna -> bruised
    model = tiny_clf.model.eval()
    embeddings = model.get_input_embeddings()(encoded["input_ids"]).detach().double()
    model.double()
    inputs = {"attention_mask": encoded["attention_mask"], "token_type_ids": encoded["token_type_ids"]}

    def logit(delta: torch.Tensor) -> float:
        moved = embeddings.clone()
        moved[0, position] += delta
        with torch.no_grad():
            return float(model(inputs_embeds=moved, **inputs).logits[0, 1])

    # Central differences along every embedding axis, in float64, recover the gradient independently.
    h = 1e-4
    axes = torch.eye(embeddings.shape[-1], dtype=torch.float64)
    gradient = torch.tensor([(logit(h * a) - logit(-h * a)) / (2 * h) for a in axes], dtype=torch.float64)
    item = next(s for s in saliency if s.token == "bruised")
    assert item.gradient == pytest.approx(float(gradient.norm()), rel=1e-3)
    assert item.grad_x_input == pytest.approx(float(gradient @ embeddings[0, position]), rel=1e-3, abs=1e-6)


def test_real_minilm_offsets_cover_both_fields(minilm_clf: InjuryClassifier) -> None:
    prompt = "Maria walked her dog along the frozen river. The path was icy."
    completion = "She slipped and fractured her wrist."
    saliency = token_saliency(minilm_clf, prompt, completion)
    assert {s.field for s in saliency} == {"prompt", "completion"}
    for item in saliency:
        text = prompt if item.field == "prompt" else completion
        assert text[item.start : item.end].lower() == item.token.removeprefix("##")
        assert item.gradient > 0
    words = [completion[s.start : s.end] for s in saliency if s.field == "completion"]
    assert "".join(w for w in words) == completion.replace(" ", "")


def test_the_score_from_the_saliency_pass_is_the_classifiers_probability(tiny_clf: InjuryClassifier) -> None:
    tokens, score = saliency_and_score(tiny_clf, PROMPT, COMPLETION)
    assert tokens == token_saliency(tiny_clf, PROMPT, COMPLETION)
    assert score == pytest.approx(float(tiny_clf.score([(PROMPT, COMPLETION)])[0]), abs=1e-6)
