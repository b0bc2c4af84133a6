"""The web side of live requests: send the task to the live queue by name and wait for its answer."""

from __future__ import annotations

import uuid
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings

from gauntlet.common.enqueue import task_named
from gauntlet.errors import Invalid, Unavailable
from ml_worker.models import ClassifierVersion
from ml_worker.services.live.batching import answer_wait, batching_redis, celery_eager, pending_push
from ml_worker.services.live.validation import live_span_validate


def _unavailable(timeout: float) -> Unavailable:
    return Unavailable(
        "worker_unavailable",
        f"No live worker answered within {timeout:g} s; the classifier service is down or overloaded. "
        "Try again shortly, or ask a manager to check the live workers.",
    )


def _answered(answer: dict[str, Any]) -> dict[str, Any]:
    if "error" in answer:
        raise Invalid(answer["error"]["code"], answer["error"]["message"])
    if "failed" in answer:  # the worker's pass raised: a server error, as a task exception is
        raise RuntimeError(f"the live worker failed scoring this request: {answer['failed']}")
    return answer


def live_request(task_name: str, *, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run the live task ``task_name`` and wait for it; ``Unavailable`` if no worker answers in time.
    The routes of ``gauntlet.celery`` send it to the live queue (its own workers, never behind batch
    work on the gpu queue)."""
    timeout = settings.GAUNTLET_LIVE_TIMEOUT
    result = task_named(task_name).apply_async(kwargs=kwargs)
    try:
        answer: dict[str, Any] = result.get(timeout=timeout, propagate=True, disable_sync_subtasks=False)
    except CeleryTimeoutError:
        result.revoke()  # a worker that shows up later should not waste the GPU on it
        raise _unavailable(timeout) from None
    finally:
        if not celery_eager():
            result.forget()
    return _answered(answer)


def live_score_request(*, prompt: str, completion: str, version: ClassifierVersion) -> dict[str, Any]:
    """P(injurious) of the pair under ``version`` with its verdict, from a live worker (batched with others).

    With Redis batching the request waits on its own answer list (:func:`.batching.answer_wait`, a
    blocking pop), not on its task's result: the first live task's forward pass answers every
    request waiting then, so a request answered in another's pass returns as soon as that pass
    ends (its own task, queued behind the others', later finds nothing to do). Eager: the task's
    answer, as for the other tools."""
    request_id = uuid.uuid4().hex
    kwargs = {"prompt": prompt, "completion": completion, "version_id": version.pk, "request_id": request_id}
    if batching_redis() is None:
        return live_request("ml_worker.tasks.live_score", kwargs=kwargs)
    timeout = settings.GAUNTLET_LIVE_TIMEOUT
    pending_push(
        version_id=version.pk, request_id=request_id, prompt=prompt, completion=completion, timeout=timeout
    )
    # No result is stored or subscribed to: the answer comes through the answer list.
    result = task_named("ml_worker.tasks.live_score").apply_async(kwargs=kwargs, ignore_result=True)
    answer = answer_wait(request_id=request_id, timeout=timeout)
    if answer is None:
        result.revoke()  # a worker that shows up later should not waste the GPU on it
        raise _unavailable(timeout)
    return _answered(answer)


def live_saliency_request(*, prompt: str, completion: str, version: ClassifierVersion) -> dict[str, Any]:
    """Token saliency of the pair under ``version``, from a live worker."""
    return live_request(
        "ml_worker.tasks.live_saliency",
        kwargs={"prompt": prompt, "completion": completion, "version_id": version.pk},
    )


def live_substitutions_request(
    *, prompt: str, completion: str, version: ClassifierVersion, field: str, start: int, end: int, k: int
) -> dict[str, Any]:
    """Up to ``k`` re-scored replacements for the span, from a live worker (the span is checked first)."""
    live_span_validate(prompt=prompt, completion=completion, field=field, start=start, end=end)
    kwargs = {"prompt": prompt, "completion": completion, "field": field, "start": start, "end": end, "k": k}
    return live_request("ml_worker.tasks.live_substitutions", kwargs={**kwargs, "version_id": version.pk})
