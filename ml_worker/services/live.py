"""Live tooling for the rewrite tool: score, saliency and substitutions of one text pair.

Web side (``live_*_request``): validate, send the Celery task to the gpu queue,
wait ``GAUNTLET_LIVE_TIMEOUT`` seconds, map a timeout to 503. Worker side
(``live_*_compute``): run the process's model. Works unchanged when Celery runs
eagerly (the embedded default): the task then runs inside the web process.

Batching concurrent live scores: the web side pushes each request onto a Redis
list per version before sending its task. The task that runs first drains up
to ``GAUNTLET_LIVE_BATCH_MAX`` waiting requests, scores them in one forward
pass, and stores every answer under its request id (60 s expiry); a task whose
answer is already stored returns it without touching the model. Without Redis
(embedded default) each request is scored alone.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import redis
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings

from gauntlet.api import ApiError
from ml_worker import runtime
from ml_worker.models import ClassifierVersion
from ml_worker.selectors import classifier_version_active, classifier_version_loadable

FIELDS = ("prompt", "completion")


# --- web side ---------------------------------------------------------------------


def live_version_resolve(*, version_id: int | None) -> ClassifierVersion:
    """The requested version (404 when unknown or not loadable), else the active one (409 when none)."""
    if version_id is not None:
        version = classifier_version_loadable(version_id=version_id)
        if version is None:
            raise ApiError(
                "unknown_version", f"No classifier version {version_id} with a finished artifact exists.", 404
            )
        return version
    version = classifier_version_active()
    if version is None:
        raise ApiError(
            "no_active_classifier",
            "No classifier version is active; a manager must promote one (or run classifier_bootstrap).",
            409,
        )
    return version


def live_text_validate(*, prompt: str, completion: str) -> None:
    """400 for empty text or text over the configured character limits."""
    errors: dict[str, list[str]] = {}
    limits = {
        "prompt": settings.GAUNTLET_EXAMPLE_MAX_PROMPT_CHARS,
        "completion": settings.GAUNTLET_EXAMPLE_MAX_COMPLETION_CHARS,
    }
    for name, text in (("prompt", prompt), ("completion", completion)):
        if not text.strip():
            errors[name] = [f"The {name} is empty; send the text to judge."]
        elif len(text) > limits[name]:
            errors[name] = [f"The {name} has {len(text)} characters; at most {limits[name]} are allowed."]
    if errors:
        code = "text_too_long" if all("allowed" in m[0] for m in errors.values()) else "invalid_text"
        raise ApiError(code, " ".join(m[0] for m in errors.values()), 400, fields=errors)


def live_span_validate(*, prompt: str, completion: str, field: str, start: int, end: int) -> None:
    text = prompt if field == "prompt" else completion
    if not 0 <= start < end <= len(text):
        raise ApiError(
            "span_out_of_range",
            f"The span [{start}, {end}) is not inside the {field} (which has {len(text)} characters); "
            f"send 0 <= start < end <= {len(text)}.",
            400,
            fields={"span": ["out of range"]},
        )
    if not text[start:end].strip():
        raise ApiError("empty_span", "The span covers only whitespace; select a word.", 400)


_redis_clients: dict[str, redis.Redis] = {}


def _redis() -> redis.Redis | None:
    """This process's client for the broker's Redis (a pool: no new connection per request)."""
    url = settings.CELERY_BROKER_URL
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url)
    return _redis_clients[url]


def _eager() -> bool:
    from gauntlet.celery import app

    return bool(app.conf.task_always_eager)


def _pending_key(version_id: int) -> str:
    return f"gauntlet:live_score:pending:{version_id}"


def _answer_key(request_id: str) -> str:
    return f"gauntlet:live_score:answer:{request_id}"


def live_request(task: Any, *, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run a live task on the gpu queue and wait for it; 503 if no worker answers in time."""
    from gauntlet.celery import Queue

    timeout = settings.GAUNTLET_LIVE_TIMEOUT
    result = task.apply_async(kwargs=kwargs, queue=Queue.GPU.value)
    try:
        answer: dict[str, Any] = result.get(timeout=timeout, propagate=True, disable_sync_subtasks=False)
    except CeleryTimeoutError:
        result.revoke()  # a worker that shows up later should not waste the GPU on it
        raise ApiError(
            "worker_unavailable",
            f"No GPU worker answered within {timeout:g} s; the classifier service is down or overloaded. "
            "Try again shortly, or ask a manager to check the gpu workers.",
            503,
        ) from None
    finally:
        if not _eager():
            result.forget()
    if "error" in answer:
        raise ApiError(answer["error"]["code"], answer["error"]["message"], 400)
    return answer


def live_score_request(*, prompt: str, completion: str, version: ClassifierVersion) -> dict[str, Any]:
    from ml_worker import tasks

    request_id = uuid.uuid4().hex
    client = None if _eager() else _redis()
    if client is not None:
        entry = {"id": request_id, "prompt": prompt, "completion": completion, "at": time.time()}
        pending = client.pipeline(transaction=False)  # one round trip
        pending.rpush(_pending_key(version.pk), json.dumps(entry))
        pending.expire(_pending_key(version.pk), 300)
        pending.execute()
    return live_request(
        tasks.live_score,
        kwargs={
            "prompt": prompt,
            "completion": completion,
            "version_id": version.pk,
            "request_id": request_id,
        },
    )


# --- worker side ------------------------------------------------------------------


def live_saliency_request(*, prompt: str, completion: str, version: ClassifierVersion) -> dict[str, Any]:
    """Token saliency of the pair under ``version``, from a gpu worker."""
    from ml_worker import tasks

    return live_request(
        tasks.live_saliency, kwargs={"prompt": prompt, "completion": completion, "version_id": version.pk}
    )


def live_substitutions_request(
    *, prompt: str, completion: str, version: ClassifierVersion, field: str, start: int, end: int, k: int
) -> dict[str, Any]:
    """Up to ``k`` re-scored replacements for the span, from a gpu worker (the span is checked first)."""
    from ml_worker import tasks

    live_span_validate(prompt=prompt, completion=completion, field=field, start=start, end=end)
    kwargs = {"prompt": prompt, "completion": completion, "field": field, "start": start, "end": end, "k": k}
    return live_request(tasks.live_substitutions, kwargs={**kwargs, "version_id": version.pk})


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _load(version_id: int) -> ClassifierVersion | None:
    return classifier_version_loadable(version_id=version_id)


def _verdict(version: ClassifierVersion, probability: float) -> dict[str, Any]:
    return {
        "score": probability,
        "threshold": version.threshold,
        "passes": probability < version.threshold,
        "classifier_version": version.pk,
    }


def live_score_compute(*, prompt: str, completion: str, version_id: int, request_id: str) -> dict[str, Any]:
    """Score one pair, plus any other waiting requests for the same version in the same forward pass."""
    version = _load(version_id)
    if version is None:
        return _error(
            "unknown_version", f"No classifier version {version_id} with a finished artifact exists."
        )
    client = _redis()
    if client is not None:
        stored = client.get(_answer_key(request_id))
        if stored is not None:  # another task already answered this request in its batch
            client.delete(_answer_key(request_id))
            return dict(json.loads(stored))
    batch: list[dict[str, Any]] = [{"id": request_id, "prompt": prompt, "completion": completion}]
    if client is not None:
        horizon = time.time() - settings.GAUNTLET_LIVE_TIMEOUT  # waiters older than this have given up
        pipe = client.pipeline()
        pipe.lrange(_pending_key(version_id), 0, settings.GAUNTLET_LIVE_BATCH_MAX - 1)
        pipe.ltrim(_pending_key(version_id), settings.GAUNTLET_LIVE_BATCH_MAX, -1)
        raw, _ = pipe.execute()
        for item in map(json.loads, raw):
            if item["id"] != request_id and item["at"] >= horizon:
                batch.append(item)
    clf = runtime.classifier_for(version)
    try:
        probabilities = [float(p) for p in clf.score([(b["prompt"], b["completion"]) for b in batch])]
    except ValueError:
        probabilities = []
        for b in batch:
            try:
                probabilities.append(float(clf.score([(b["prompt"], b["completion"])])[0]))
            except ValueError as exc:
                probabilities.append(float("nan"))
                if b["id"] == request_id:
                    return _error("text_too_long", str(exc))
    if client is not None and len(batch) > 1:
        pipe = client.pipeline()
        for b, p in zip(batch[1:], probabilities[1:], strict=True):
            answer = (
                _verdict(version, p) if p == p else _error("text_too_long", "completion over token limit")
            )
            pipe.set(_answer_key(b["id"]), json.dumps(answer), ex=60)
        pipe.execute()
    return _verdict(version, probabilities[0])


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
            field=field,
            start=start,
            end=end,
            k=k,  # type: ignore[arg-type]
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
                "passes": s.score < version.threshold,
                "prompt": s.prompt,
                "completion": s.completion,
            }
            for s in result.suggestions
        ],
    }
