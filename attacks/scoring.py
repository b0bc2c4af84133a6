"""The one seam between attacks and the classifier service (ml_worker's live tooling).

Everything attacks asks a model goes through here, so the rewrite tool, the submit
re-score and the paraphrase scorer use the same path as ``POST /api/v1/score/``: a
Celery task on the gpu queue, run in-process when Celery is eager.
"""

from __future__ import annotations

from typing import Any

from ml_worker.models import ClassifierVersion
from ml_worker.services.live.client import (
    live_saliency_request,
    live_score_request,
    live_substitutions_request,
)
from ml_worker.services.live.validation import live_text_validate
from ml_worker.services.scoring import pairs_score


def text_score(*, version: ClassifierVersion, prompt: str, completion: str) -> float:
    """P(injurious) of the pair under ``version``, computed by a worker (never trusted from a client)."""
    live_text_validate(prompt=prompt, completion=completion)
    answer = live_score_request(prompt=prompt, completion=completion, version=version)
    return float(answer["score"])


def text_saliency(*, version: ClassifierVersion, prompt: str, completion: str) -> dict[str, Any]:
    live_text_validate(prompt=prompt, completion=completion)
    return live_saliency_request(prompt=prompt, completion=completion, version=version)


def text_substitutions(
    *, version: ClassifierVersion, prompt: str, completion: str, field: str, start: int, end: int, k: int
) -> dict[str, Any]:
    live_text_validate(prompt=prompt, completion=completion)
    return live_substitutions_request(
        prompt=prompt, completion=completion, version=version, field=field, start=start, end=end, k=k
    )


def texts_score(*, version: ClassifierVersion, pairs: list[tuple[str, str]]) -> list[float | None]:
    """Batch scores for worker-side code (paraphrase batches run on the gpu queue already);
    None for a pair the model cannot take (a completion over the token limit)."""
    return pairs_score(version, pairs) if pairs else []
