"""One POST to an OpenAI-compatible endpoint, for the paraphraser and the completion generator.

No retries here (the task queue retries); every failure raises the caller's error class with the
endpoint, the HTTP status and the start of the body, so a manager can tell what to fix.
"""

from __future__ import annotations

from typing import Any

import requests


def openai_choices(
    *, url: str, body: dict[str, Any], api_key: str | None, timeout: float, error: type[Exception], what: str
) -> list[dict[str, Any]]:
    """POST ``body`` to ``url`` and return the answer's ``choices``; ``what`` names the endpoint in errors.

    Redirects are not followed (a 3xx is an error): the key and the text go to ``url`` only."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = requests.post(url, json=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as failure:
        raise error(f"{what} endpoint {url} unreachable: {failure}") from failure
    if response.status_code != 200:
        raise error(f"{what} endpoint {url} returned HTTP {response.status_code}: {response.text[:200]}")
    try:
        choices = response.json()["choices"]
    except (ValueError, KeyError, TypeError) as failure:
        raise error(f"{what} endpoint {url} sent no choices") from failure
    if not isinstance(choices, list):
        raise error(f"{what} endpoint {url} sent no choices")
    return choices
