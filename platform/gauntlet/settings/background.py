"""Background work: the Celery broker and results, eager mode, worker priority, and the one beat schedule.

Every periodic task is listed here, once; queues and routes are ``gauntlet.celery``'s.
"""

from __future__ import annotations

from datetime import timedelta

from gauntlet.settings import env

CELERY_BROKER_URL = env.REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = env.REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.CELERY_ALWAYS_EAGER
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_LONGEST_TASK_SECONDS = env.env_int("GAUNTLET_LONGEST_TASK_SECONDS", 6 * 3600)  # a full training run
# A dead worker's message goes to another after this (gauntlet.celery); tests shorten it to see that.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.env_int(
    "GAUNTLET_BROKER_VISIBILITY_TIMEOUT", CELERY_LONGEST_TASK_SECONDS + 3600
)
# Niceness of the processes of a worker serving batch model work and no live tools (-Q gpu, not
# live): on shared CPUs the scheduler runs live scores first. 0 leaves batch workers at normal priority.
GAUNTLET_BATCH_WORKER_NICE = env.env_int("GAUNTLET_BATCH_WORKER_NICE", 10)
# Niceness of a worker serving the background queue (and neither live nor gpu): a queue's refit then
# takes only CPU that requests leave (bench consensus_refit: 29 s for 1M labels at 19, submits' p99 < 50 ms).
GAUNTLET_BACKGROUND_WORKER_NICE = env.env_int("GAUNTLET_BACKGROUND_WORKER_NICE", 19)
CELERY_BEAT_SCHEDULE = {
    "workqueue-expire-leases": {
        "task": "gauntlet.workqueue.tasks.expire_leases",
        "schedule": timedelta(seconds=30),
    },
    "payments-auto-approve": {
        "task": "gauntlet.payments.tasks.auto_approve_due",
        "schedule": timedelta(minutes=5),
    },
    "ml-score-unscored": {
        "task": "ml_worker.tasks.score_unscored",
        "schedule": timedelta(minutes=1),
    },
    # New classifier versions get their column of the adversarial matrix from this periodic task.
    "attacks-refresh-adversarial-matrix": {
        "task": "attacks.tasks.refresh_adversarial_matrix",
        "schedule": timedelta(minutes=10),  # on the gpu queue (gauntlet.celery's routes)
    },
    # Rewrite sessions whose lease expired or was released are marked abandoned (also done lazily on access).
    "attacks-close-lapsed-rewrite-sessions": {
        "task": "attacks.tasks.close_lapsed_rewrite_sessions",
        "schedule": timedelta(minutes=5),
    },
    # Dawid–Skene queues get their model-based consensus refitted in the background (never in a submit).
    "labeling-refit-due-consensus": {
        "task": "labeling.tasks.refit_due_consensus",
        "schedule": timedelta(minutes=1),
    },
}
