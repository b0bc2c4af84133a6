"""Completions from any OpenAI-compatible ``/v1/completions`` endpoint (vLLM, TGI, llama.cpp server)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ml_worker.core.generation.base import GeneratedCompletion, GeneratorError, first_sentence, sample_seed
from ml_worker.core.openai_http import openai_choices


class HTTPCompletionGenerator:
    """One request per sample (``n=1`` with the sample's seed), so every completion has its own seed.

    No retries here: the task queue retries. Errors raise GeneratorError with the status and the start
    of the body; the API key is sent as a bearer token and never recorded in the settings.
    """

    kind = "http"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        temperature: float = 1.0,
        max_tokens: int = 40,
    ) -> None:
        root = base_url.rstrip("/")
        self.url = f"{root}/completions" if root.endswith("/v1") else f"{root}/v1/completions"
        self.model, self.api_key, self.timeout = model, api_key, timeout
        self.temperature, self.max_tokens = temperature, max_tokens

    def settings(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    def _complete(self, prompt: str, seed: int) -> str:
        body = {
            "model": self.model,
            "prompt": prompt + " ",
            "n": 1,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": seed,
        }
        choices = openai_choices(
            url=self.url,
            body=body,
            api_key=self.api_key,
            timeout=self.timeout,
            error=GeneratorError,
            what="completion",
        )
        try:
            return str(choices[0]["text"] or "")
        except (KeyError, IndexError, TypeError) as error:
            raise GeneratorError(f"completion endpoint {self.url} sent no completion choices") from error

    def generate(self, prompts: Sequence[str], k: int, seed: int) -> list[GeneratedCompletion]:
        out = []
        for p, prompt in enumerate(prompts):
            for i in range(k):
                s = sample_seed(seed, prompt, i)
                out.append(GeneratedCompletion(p, i, s, first_sentence(self._complete(prompt, s))))
        return out
