"""Token saliency for the rewrite tool: which tokens push the classifier towards "injurious".

Following the published programme, saliency is the magnitude of the gradient of the classifier's output
(here the injurious *logit*, which unlike the probability does not saturate near 0 and 1) with respect to
each token's input embedding. Gradient x input (their dot product) is returned too: its sign says whether
the token's presence raises (+) or lowers (-) the logit to first order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from ml_worker.core.classifier import INJURIOUS, InjuryClassifier, pad_batch
from ml_worker.core.device import inference_autocast

Field = Literal["prompt", "completion"]
FIELDS: tuple[Field, Field] = ("prompt", "completion")


@dataclass(frozen=True)
class TokenSaliency:
    field: Field  # which text the token comes from
    start: int  # character offsets into that text: text[start:end] is the token's surface form
    end: int
    token: str  # the tokenizer's piece, e.g. "##ed"
    gradient: float  # L2 norm of d(injurious logit) / d(token embedding)
    grad_x_input: float  # gradient . embedding


def embedding_gradients(
    clf: InjuryClassifier, batch: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(embeddings, d injurious-logit / d embeddings, logits) for a padded batch of one or more pairs.

    Only the input embeddings get gradients (parameters are not touched, so this is safe on a model that
    is serving). Puts the model in eval mode so dropout does not randomise the answer.
    """
    clf.model.eval()
    inputs = {name: tensor.to(clf.device) for name, tensor in batch.items()}
    input_ids = inputs.pop("input_ids")
    with torch.enable_grad():
        embeddings = clf.model.get_input_embeddings()(input_ids).detach().requires_grad_(True)
        with inference_autocast(clf.device):
            logits = clf.model(inputs_embeds=embeddings, **inputs).logits.float()
        # Rows are independent, so the gradient of the sum gives each row its own gradient.
        (gradients,) = torch.autograd.grad(logits[:, INJURIOUS].sum(), embeddings)
    return embeddings.detach().float(), gradients.float(), logits.detach()


def token_saliency(
    clf: InjuryClassifier, prompt: str, completion: str, max_length: int | None = None
) -> list[TokenSaliency]:
    """Saliency of every non-special token of the pair, in input order.

    Prompt tokens cut by truncation are absent. Offsets come from the fast tokenizer's offset mapping,
    so `prompt[s.start:s.end]` (or completion) is exactly the text the token was read from.
    """
    return saliency_and_score(clf, prompt, completion, max_length)[0]


def saliency_and_score(
    clf: InjuryClassifier, prompt: str, completion: str, max_length: int | None = None
) -> tuple[list[TokenSaliency], float]:
    """:func:`token_saliency` plus P(injurious) of the pair, from the same forward pass.

    The live saliency endpoint shows both; a second forward just for the score
    would cost as much again as the forward part of the saliency itself.
    """
    encoding = clf.encode([(prompt, completion)], max_length, return_offsets_mapping=True)
    batch = pad_batch(encoding, [0], clf.tokenizer.pad_token_id or 0)
    embeddings, gradients, logits = embedding_gradients(clf, batch)
    score = float(torch.softmax(logits[0].float(), dim=-1)[INJURIOUS])
    norms = gradients[0].norm(dim=-1).tolist()
    dots = (gradients[0] * embeddings[0]).sum(dim=-1).tolist()
    tokens = clf.tokenizer.convert_ids_to_tokens(encoding["input_ids"][0])
    result = []
    for position, sequence in enumerate(encoding.sequence_ids(0)):
        start, end = encoding["offset_mapping"][0][position]
        if sequence is None or end <= start:  # [CLS], [SEP] and other zero-width special tokens
            continue
        result.append(
            TokenSaliency(FIELDS[sequence], start, end, tokens[position], norms[position], dots[position])
        )
    return result, score
