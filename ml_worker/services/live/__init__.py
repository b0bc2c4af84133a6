"""Live tooling for the rewrite tool: score, saliency and substitutions of one text pair.

Web side (:mod:`.client`, ``live_*_request``): validate (:mod:`.validation`), send the Celery task
to the gpu queue, wait ``GAUNTLET_LIVE_TIMEOUT`` seconds, map a timeout to 503. Worker side
(:mod:`.compute`, ``live_*_compute``): run the process's model. Works unchanged when Celery runs
eagerly (the embedded default): the task then runs inside the web process.

Batching concurrent live scores (:mod:`.batching`): the web side pushes each request onto a Redis
list per version, sends its task, and blocks on the request's own answer list. The task that runs
first drains up to ``GAUNTLET_LIVE_BATCH_MAX`` waiting requests, scores them in one forward pass,
and pushes every answer to its waiter (60 s expiry); a task that finds the list empty (its request
was answered in another's pass) returns without touching the model or the database. Without Redis
(embedded default) each request is scored alone and its task's result is the answer.

Callers import from the module that owns the concern; the names below are re-exported so older
``from ml_worker.services import live`` callers keep working.
"""

from ml_worker.services.live.client import (
    live_request,
    live_saliency_request,
    live_score_request,
    live_substitutions_request,
)
from ml_worker.services.live.compute import (
    live_saliency_compute,
    live_score_compute,
    live_substitutions_compute,
)
from ml_worker.services.live.validation import (
    FIELDS,
    live_span_validate,
    live_text_validate,
    live_version_resolve,
)

__all__ = [
    "FIELDS",
    "live_request",
    "live_saliency_compute",
    "live_saliency_request",
    "live_score_compute",
    "live_score_request",
    "live_span_validate",
    "live_substitutions_compute",
    "live_substitutions_request",
    "live_text_validate",
    "live_version_resolve",
]
