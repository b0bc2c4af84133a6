"""Completions sampled from a Hugging Face causal LM (GPT-2, Llama, ...) in a local directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel

from ml_worker.core.device import pick_device
from ml_worker.core.generation.base import GeneratedCompletion, GeneratorError, first_sentence, sample_seed


class HFCausalLMGenerator:
    """Continues each prompt ``k`` times and keeps the first sentence of each continuation.

    One forward batch per sample (its own seed, so a sample does not depend on its neighbours); seeds a
    forked copy of torch's RNG, so the caller's global RNG is untouched. ``model_path`` must be a local
    directory: callers materialise an ``s3://`` prefix first (``core.artifacts.materialize``).
    """

    kind = "hf"

    def __init__(
        self,
        model_path: str | Path,
        *,
        device: str | torch.device | None = None,
        max_new_tokens: int = 40,
        temperature: float = 1.0,
        top_p: float = 0.95,
        max_input_tokens: int = 512,
    ) -> None:
        directory = Path(model_path)
        if not directory.is_dir():
            raise GeneratorError(f"generator model directory {directory} does not exist")
        self.model_path = str(directory)
        self.device = pick_device(device)
        model: PreTrainedModel = AutoModelForCausalLM.from_pretrained(directory, local_files_only=True)
        self.model = model.eval().to(self.device)
        self.tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self.tokenizer.truncation_side = "left"  # keep the end of a long prompt: that is what is continued
        self.max_new_tokens, self.temperature, self.top_p = max_new_tokens, temperature, top_p
        self.max_input_tokens = max_input_tokens

    def settings(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "max_new_tokens": self.max_new_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
        }

    def generate(self, prompts: Sequence[str], k: int, seed: int) -> list[GeneratedCompletion]:
        pad_id = self.tokenizer.pad_token_id
        if pad_id is None:
            pad_id = self.tokenizer.eos_token_id
        devices = [self.device] if self.device.type == "cuda" else []
        out = []
        for p, prompt in enumerate(prompts):
            inputs = self.tokenizer(
                prompt + " ", return_tensors="pt", truncation=True, max_length=self.max_input_tokens
            ).to(self.device)
            for i in range(k):
                s = sample_seed(seed, prompt, i)
                with torch.random.fork_rng(devices=devices), torch.inference_mode():
                    torch.manual_seed(s)
                    generated = self.model.generate(
                        input_ids=inputs["input_ids"],
                        attention_mask=inputs["attention_mask"],
                        do_sample=True,
                        temperature=self.temperature,
                        top_p=self.top_p,
                        max_new_tokens=self.max_new_tokens,
                        pad_token_id=pad_id,
                    )
                text = self.tokenizer.decode(
                    generated[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True
                )
                out.append(GeneratedCompletion(p, i, s, first_sentence(str(text))))
        return out
