"""The one seam between attacks and the classifier service (ml_worker's live tooling).

Everything attacks asks a model goes through here, so the rewrite tool, the submit
re-score and the paraphrase scorer use the same path as ``POST /api/v1/score/``: a
Celery task on the gpu queue, run in-process when Celery is eager.
"""

from __future__ import annotations

from typing import Any

from ml_worker.models import ClassifierVersion
from ml_worker.services import live


def text_score(*, version: ClassifierVersion, prompt: str, completion: str) -> float:
    """P(injurious) of the pair under ``version``, computed by a worker (never trusted from a client)."""
    live.live_text_validate(prompt=prompt, completion=completion)
    answer = live.live_score_request(prompt=prompt, completion=completion, version=version)
    return float(answer["score"])


def text_saliency(*, version: ClassifierVersion, prompt: str, completion: str) -> dict[str, Any]:
    from ml_worker import tasks

    live.live_text_validate(prompt=prompt, completion=completion)
    return live.live_request(
        tasks.live_saliency, kwargs={"prompt": prompt, "completion": completion, "version_id": version.pk}
    )


def text_substitutions(
    *, version: ClassifierVersion, prompt: str, completion: str, field: str, start: int, end: int, k: int
) -> dict[str, Any]:
    from ml_worker import tasks

    live.live_text_validate(prompt=prompt, completion=completion)
    live.live_span_validate(prompt=prompt, completion=completion, field=field, start=start, end=end)
    return live.live_request(
        tasks.live_substitutions,
        kwargs={
            "prompt": prompt,
            "completion": completion,
            "field": field,
            "start": start,
            "end": end,
            "k": k,
            "version_id": version.pk,
        },
    )


def texts_score(*, version: ClassifierVersion, pairs: list[tuple[str, str]]) -> list[float | None]:
    """Batch scores for worker-side code (paraphrase batches run on the gpu queue already)."""
    from ml_worker import runtime

    if not pairs:
        return []
    clf = runtime.classifier_for(version)
    try:
        return [float(p) for p in clf.score(pairs)]
    except ValueError:
        out: list[float | None] = []
        for pair in pairs:
            try:
                out.append(float(clf.score([pair])[0]))
            except ValueError:
                out.append(None)  # a completion over the token limit cannot be judged
        return out
