"""Paraphrases from any OpenAI-compatible chat-completions endpoint (vLLM, TGI, llama.cpp server, ...)."""

from __future__ import annotations

from ml_worker.core.openai_http import openai_choices
from ml_worker.core.paraphrasers.base import INSTRUCTION, ParaphraserError, clean_outputs, few_shot_prompt


class HTTPParaphraser:
    """POSTs the few-shot prompt to `{base_url}/v1/chat/completions` asking for n=k choices.

    `base_url` may or may not end in /v1. Each call is one HTTP request (no retries: the caller's task
    queue retries); errors raise ParaphraserError with the status and the start of the body.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        temperature: float = 0.9,
        max_tokens: int = 80,
    ) -> None:
        root = base_url.rstrip("/")
        self.url = f"{root}/chat/completions" if root.endswith("/v1") else f"{root}/v1/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.temperature = temperature
        self.max_tokens = max_tokens

    def paraphrase(self, prompt: str, completion: str, k: int, seed: int) -> list[str]:
        """Up to k distinct rewrites. `seed` is passed on; whether it makes sampling repeatable is up to
        the server."""
        if k <= 0:
            return []
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": INSTRUCTION},
                {"role": "user", "content": few_shot_prompt(prompt, completion)},
            ],
            "n": k,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": seed,
        }
        choices = openai_choices(
            url=self.url,
            body=body,
            api_key=self.api_key,
            timeout=self.timeout,
            error=ParaphraserError,
            what="paraphrase",
        )
        try:
            texts = [choice["message"]["content"] or "" for choice in choices]
        except (KeyError, TypeError) as error:
            raise ParaphraserError(
                f"paraphrase endpoint {self.url} sent no chat-completions choices"
            ) from error
        return clean_outputs(texts, completion, k)
