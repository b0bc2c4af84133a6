"""SiFT: scale-invariant virtual adversarial regularisation (He et al., DeBERTa, 2021).

The perturbation is applied to *layer-normalised* embeddings, so its size means the same thing for every
token whatever the scale of its embedding vector (plain embedding-space noise is swamped for large-norm
tokens and overwhelming for small ones). Mirrors DeBERTa's reference recipe: a forward pre-hook on the
encoder's `embeddings.LayerNorm` normalises its input (word + position + type embeddings) without affine
parameters and adds delta; delta starts as clipped Gaussian noise, takes one power-iteration step along the
gradient of the symmetric KL between clean and perturbed predictions, and the symmetric KL at the moved
delta is the regulariser. Because LayerNorm is scale-invariant, LayerNorm(LayerNorm0(x) + 0) equals the
clean forward up to epsilon, so delta is the only difference between the two passes.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn


def symmetric_kl(logits: torch.Tensor, target_logits: torch.Tensor) -> torch.Tensor:
    """Per-example KL(p||q) + KL(q||p) between two categorical predictions given as logits (fp32)."""
    log_p = F.log_softmax(logits.float(), dim=-1)
    log_q = F.log_softmax(target_logits.float(), dim=-1)
    return ((log_p.exp() - log_q.exp()) * (log_p - log_q)).sum(dim=-1)


def embedding_layer_norm(model: nn.Module) -> nn.Module:
    """The LayerNorm right after the input embeddings (BERT, RoBERTa, DeBERTa, ELECTRA ... name it so)."""
    for name, module in model.named_modules():
        if name.endswith("embeddings.LayerNorm"):
            return module
    raise ValueError(f"{type(model).__name__} has no `embeddings.LayerNorm`; SiFT cannot be applied to it")


def sift_loss(
    model: nn.Module,
    batch: Mapping[str, torch.Tensor],
    clean_logits: torch.Tensor,
    *,
    noise_std: float,
    step_size: float,
) -> torch.Tensor:
    """Mean symmetric KL between clean predictions and predictions on adversarially perturbed embeddings.

    Runs two extra forward passes (one backward only w.r.t. delta, so parameter gradients are untouched
    until the caller backpropagates the returned loss). Uses torch's global RNG for the initial noise.
    """
    layer_norm = embedding_layer_norm(model)
    deltas: list[torch.Tensor] = []  # the current perturbation, created by the first hooked forward

    def perturb(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        hidden = inputs[0]
        normalised = F.layer_norm(hidden.float(), hidden.shape[-1:], eps=1e-7)
        if not deltas:
            noise = torch.randn_like(normalised) * noise_std
            deltas.append(noise.clamp(-2 * noise_std, 2 * noise_std).requires_grad_(True))
        return ((normalised + deltas[-1]).to(hidden.dtype), *inputs[1:])

    handle = layer_norm.register_forward_pre_hook(perturb)
    try:
        probe = model(**batch).logits
        divergence = symmetric_kl(probe, clean_logits.detach()).sum()
        (grad,) = torch.autograd.grad(divergence, deltas[-1])
        # One power-iteration step: move each token's delta along its gradient, scaled by the gradient's
        # max-norm so the step is `step_size` in the largest coordinate whatever the loss magnitude.
        scale = grad.abs().amax(dim=-1, keepdim=True) + 1e-6
        deltas.append((deltas[-1] + step_size * grad / scale).detach())
        adversarial = model(**batch).logits
    finally:
        handle.remove()
    return symmetric_kl(adversarial, clean_logits).mean()
