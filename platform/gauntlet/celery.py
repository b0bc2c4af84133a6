"""The one Celery app of Gauntlet, with its queues and routes.

Queues (:class:`Queue`):

- ``default``: cheap bookkeeping on CPU machines (lease expiry, auto-approval,
  consensus, payouts, imports).
- ``live``: the rewrite tool's live score, saliency and substitutions: a person
  is waiting on each, so they never queue behind batch work. Live workers keep a
  few classifier versions loaded (``GAUNTLET_LOADED_MODELS``, LRU) and
  batch concurrent scores into one forward pass.
- ``gpu``: batch model work (bulk scoring, paraphrasing, attack batches, matrix
  refreshes, training). ``ml_worker.tasks.*`` and attacks' paraphrase and matrix
  tasks are routed here; gpu workers take one message at a time (prefetch 1)
  because one message may hold the GPU for hours.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any

from celery import Celery
from kombu import Queue as KombuQueue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gauntlet.settings.base")


class Queue(StrEnum):
    DEFAULT = "default"  # database bookkeeping; fast, many workers
    LIVE = "live"  # a person waits on each: live score, saliency, substitutions; never behind batch work
    GPU = "gpu"  # batch model work (scoring, paraphrases, training); prefetch 1
    BACKGROUND = "background"  # whole-queue statistics (Dawid-Skene refits): CPU-heavy, yields to requests


app = Celery("gauntlet")
app.config_from_object("django.conf:settings", namespace="CELERY")

_longest = int(app.conf.get("longest_task_seconds") or 6 * 3600)
# How long Redis keeps a delivered, unacknowledged message before handing it to another worker
# (the one that took it died): longer than the longest task, or a healthy run would be started twice.
_visibility = int(app.conf.get("broker_visibility_timeout") or _longest + 3600)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_default_queue=Queue.DEFAULT.value,
    task_queues=[KombuQueue(q.value) for q in Queue],
    task_routes={
        # exact names win over the glob below: the live tools have their own workers
        "ml_worker.tasks.live_score": {"queue": Queue.LIVE.value},
        "ml_worker.tasks.live_saliency": {"queue": Queue.LIVE.value},
        "ml_worker.tasks.live_substitutions": {"queue": Queue.LIVE.value},
        "ml_worker.tasks.*": {"queue": Queue.GPU.value},
        "labeling.tasks.refit_queue_consensus": {"queue": Queue.BACKGROUND.value},
        "gauntlet.gpu_ping": {"queue": Queue.GPU.value},
        # attacks' tasks that run classifiers (its lapsed-session sweep stays on default)
        "attacks.tasks.run_paraphrase_batch": {"queue": Queue.GPU.value},
        "attacks.tasks.run_attack_batch": {"queue": Queue.GPU.value},
        "attacks.tasks.refresh_adversarial_matrix": {"queue": Queue.GPU.value},
    },
    # Idempotent tasks are acknowledged after they finish, so a worker that dies
    # mid-task hands the message to another; tasks opt out explicitly if needed.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_soft_time_limit=300,
    task_time_limit=360,
    worker_prefetch_multiplier=1,
    # Redis re-delivers unacknowledged messages after the visibility timeout (above).
    broker_transport_options={"visibility_timeout": _visibility},
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()


@app.task(name="gauntlet.ping")  # the default queue (task_default_queue)
def ping() -> str:
    """Liveness check for a worker; no side effects."""
    return "pong"


@app.task(name="gauntlet.gpu_ping", bind=True)
def gpu_ping(self: Any) -> dict[str, str]:
    """Answered only by workers consuming the ``gpu`` queue: says which queue delivered it."""
    delivery = self.request.delivery_info or {}
    return {"hostname": str(self.request.hostname), "queue": str(delivery.get("routing_key", ""))}
