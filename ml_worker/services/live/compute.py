"""The worker side of live requests: run this process's model on one pair (or a batch of waiting ones).

Answers are plain dicts (JSON over Celery); a failure a person can fix is ``{"error": {code, message}}``,
which the web side turns into a 400.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ml_worker import runtime
from ml_worker.core.passing import passes
from ml_worker.models import ClassifierVersion
from ml_worker.selectors import classifier_version_loadable
from ml_worker.services.live.batch_sizes import batch_size_record
from ml_worker.services.live.batching import answers_push, batching_redis, pending_drain
from ml_worker.services.live.validation import FIELDS


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _load(version_id: int) -> ClassifierVersion | None:
    return classifier_version_loadable(version_id=version_id)


def _verdict(version: ClassifierVersion, probability: float) -> dict[str, Any]:
    return {
        "score": probability,
        "threshold": version.threshold,
        "passes": passes(probability, version.threshold),
        "classifier_version": version.pk,
    }


def _score_batch(version_id: int, batch: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every request of ``batch`` (same version) scored in one forward pass: its answer by request id."""
    version = _load(version_id)
    if version is None:
        missing = _error(
            "unknown_version", f"No classifier version {version_id} with a finished artifact exists."
        )
        return {b["id"]: missing for b in batch}
    batch_size_record(len(batch))
    clf = runtime.classifier_for(version)
    answers: dict[str, dict[str, Any]] = {}
    try:
        probabilities = [float(p) for p in clf.score([(b["prompt"], b["completion"]) for b in batch])]
    except ValueError:  # one pair over the token limit: score the others alone, it gets its error
        probabilities = []
        for b in batch:
            try:
                probabilities.append(float(clf.score([(b["prompt"], b["completion"])])[0]))
            except ValueError as exc:
                probabilities.append(float("nan"))
                answers[b["id"]] = _error("text_too_long", str(exc))
    for b, p in zip(batch, probabilities, strict=True):
        answers.setdefault(b["id"], _verdict(version, p))
    return answers


def live_score_compute(
    *, prompt: str, completion: str, version_id: int, request_id: str
) -> dict[str, Any] | None:
    """Score the waiting requests for this version in one forward pass and hand each its answer.

    With Redis batching (a real worker): drains the version's pending list (this task's own request
    among them, unless an earlier task's pass already answered it) and pushes every answer to its
    waiter; returns None (nobody reads a live score's task result). Eager, or without Redis: scores
    this one pair and returns its answer."""
    if batching_redis() is None:
        return _score_batch(version_id, [{"id": request_id, "prompt": prompt, "completion": completion}])[
            request_id
        ]
    batch = pending_drain(version_id=version_id)
    if not batch:  # answered in another task's pass already (or given up on): nothing to do
        return None
    try:
        answers = _score_batch(version_id, batch)
    except Exception as exc:  # the waiters learn it now (a 500) instead of timing out as a 503
        answers_push({b["id"]: {"failed": f"{type(exc).__name__}: {exc}"} for b in batch})
        raise
    answers_push(answers)
    return None


def live_saliency_compute(*, prompt: str, completion: str, version_id: int) -> dict[str, Any]:
    """Per-token gradient magnitude (and gradient x input) of the injurious logit, with the pair's score."""
    from ml_worker.core.saliency import saliency_and_score

    version = _load(version_id)
    if version is None:
        return _error(
            "unknown_version", f"No classifier version {version_id} with a finished artifact exists."
        )
    clf = runtime.classifier_for(version)
    try:
        tokens, score = saliency_and_score(clf, prompt, completion)
    except ValueError as exc:
        return _error("text_too_long", str(exc))
    texts = {"prompt": prompt, "completion": completion}
    return {
        "score": score,
        "classifier_version": version.pk,
        "tokens": [
            {
                "field": t.field,
                "start": t.start,
                "end": t.end,
                "text": texts[t.field][t.start : t.end],
                "token": t.token,
                "gradient": t.gradient,
                "gradient_x_input": t.grad_x_input,
            }
            for t in tokens
        ],
    }


def live_substitutions_compute(
    *, prompt: str, completion: str, field: str, start: int, end: int, k: int, version_id: int
) -> dict[str, Any]:
    """The top-k replacements of the word at the span, each exactly re-scored, lowest score first."""
    from ml_worker.core.substitutions import suggest_substitutions

    version = _load(version_id)
    if version is None:
        return _error(
            "unknown_version", f"No classifier version {version_id} with a finished artifact exists."
        )
    if field not in FIELDS:
        return _error("invalid_span", f"field must be prompt or completion, not {field!r}")
    clf = runtime.classifier_for(version)
    try:
        result = suggest_substitutions(
            clf,
            prompt,
            completion,
            field="prompt" if field == "prompt" else "completion",  # checked against FIELDS above
            start=start,
            end=end,
            k=k,
            masked_lm=runtime.masked_lm(),
            # Exact re-scoring is one forward per candidate: the pool is what the latency is made of.
            candidate_pool=max(k + 1, settings.GAUNTLET_SUBSTITUTION_CANDIDATES),
        )
    except ValueError as exc:
        return _error("invalid_span", str(exc))
    return {
        "classifier_version": version.pk,
        "threshold": version.threshold,
        "field": result.field,
        "start": result.start,
        "end": result.end,
        "word": result.word,
        "original_score": result.original_score,
        "substitutions": [
            {
                "text": s.text,
                "kind": s.kind,
                "score": s.score,
                "delta": s.score - result.original_score,
                "passes": passes(s.score, version.threshold),
                "prompt": s.prompt,
                "completion": s.completion,
            }
            for s in result.suggestions
        ],
    }
