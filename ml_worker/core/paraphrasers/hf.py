"""Paraphrases from a local Hugging Face generator: seq2seq (T5, BART ...) or causal LM (GPT-2, Llama ...)."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    PreTrainedModel,
)

from ml_worker.core.device import pick_device
from ml_worker.core.paraphrasers.base import clean_outputs, few_shot_prompt


class HFParaphraser:
    """Samples k rewrites from a model directory given the few-shot prompt (local files only).

    The architecture decides the class: encoder-decoder configs load AutoModelForSeq2SeqLM, others
    AutoModelForCausalLM (whose continuation after the prompt is the answer). `oversample` extra samples
    make up for empty or repeated outputs.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        device: str | torch.device | None = None,
        max_new_tokens: int = 48,
        temperature: float = 0.9,
        top_p: float = 0.95,
        oversample: int = 2,
        max_input_tokens: int = 768,
    ) -> None:
        directory = Path(model_path)
        if not directory.is_dir():
            raise FileNotFoundError(f"paraphrase model directory {directory} does not exist")
        self.device = pick_device(device)
        config = AutoConfig.from_pretrained(directory, local_files_only=True)
        self.seq2seq = bool(config.is_encoder_decoder)
        model_class = AutoModelForSeq2SeqLM if self.seq2seq else AutoModelForCausalLM
        model: PreTrainedModel = model_class.from_pretrained(directory, local_files_only=True)
        self.model = model.eval()
        self.model.to(self.device)
        self.tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self.tokenizer.truncation_side = "left"  # an over-long few-shot prompt loses its first example
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.top_p = top_p
        self.oversample = oversample
        self.max_input_tokens = max_input_tokens

    def paraphrase(self, prompt: str, completion: str, k: int, seed: int) -> list[str]:
        """Up to k distinct sampled rewrites; the same seed on the same device gives the same list.

        Seeds a forked copy of torch's RNG, so the caller's global RNG state is left untouched.
        """
        if k <= 0:
            return []
        inputs = self.tokenizer(
            few_shot_prompt(prompt, completion),
            return_tensors="pt",
            truncation=True,
            max_length=self.max_input_tokens,
        ).to(self.device)
        pad_id = self.tokenizer.pad_token_id
        if pad_id is None:
            pad_id = self.tokenizer.eos_token_id
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(seed)
            generated = self.model.generate(
                # Generation takes ids and mask only; BERT-style tokenizers also emit
                # token_type_ids, which seq2seq/causal models reject.
                input_ids=inputs["input_ids"],
                attention_mask=inputs["attention_mask"],
                do_sample=True,
                temperature=self.temperature,
                top_p=self.top_p,
                max_new_tokens=self.max_new_tokens,
                num_return_sequences=k * self.oversample,
                pad_token_id=pad_id,
            )
        if not self.seq2seq:  # a causal LM echoes the prompt: keep only what it added
            generated = generated[:, inputs["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
        return clean_outputs(texts, completion, k)
