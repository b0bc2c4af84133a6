"""Celery interface of labeling: the background Dawid–Skene refits (beat: ``CELERY_BEAT_SCHEDULE``)
and background imports (``import_job_run``).

Model-based consensus needs the whole queue's labels, so it never runs inside a
contractor's submit (that counts the item's own labels). Beat asks every minute
which Dawid–Skene queues have per-item counts a fit has not seen yet and refits
each, one run per queue at a time (:mod:`gauntlet.common.single_flight`).
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from gauntlet.common.single_flight import single_flight
from gauntlet.workqueue.models import Queue
from labeling.models import ImportJob
from labeling.services.consensus import queue_consensus_recompute, queues_due_for_refit
from labeling.services.imports.jobs import import_job_fail, import_job_run

REFIT_TTL_SECONDS = 15 * 60  # a crashed refit keeps the next one out at most this long
IMPORT_TTL_SECONDS = 2 * 3600  # a million rows land in minutes; this bounds a stuck one


@shared_task(
    name="labeling.tasks.refit_queue_consensus",
    soft_time_limit=REFIT_TTL_SECONDS - 60,
    time_limit=REFIT_TTL_SECONDS,
)
def refit_queue_consensus(queue_id: int) -> int | None:
    """Refit one queue's consensus with its method; the rows written, or None when another
    refit of this queue is in flight (it reads the labels as they are now, so this run would
    add nothing). Idempotent: the same labels give the same rows, updated in place."""
    with single_flight(f"consensus-refit:{queue_id}", ttl_seconds=REFIT_TTL_SECONDS) as mine:
        if not mine:
            return None
        queue = Queue.objects.filter(pk=queue_id).first()
        return queue_consensus_recompute(queue=queue) if queue is not None else 0


@shared_task(
    name="labeling.tasks.refit_due_consensus",
    soft_time_limit=30,
    time_limit=60,
)
def refit_due_consensus() -> list[int]:
    """Enqueue a refit of every Dawid–Skene queue with labels its last fit has not seen;
    the queue ids. Idempotent: a queue already being refitted skips the extra run."""
    due = queues_due_for_refit()
    for queue_id in due:
        refit_queue_consensus.delay(queue_id)
    return due


@shared_task(
    name="labeling.tasks.import_job_run",
    soft_time_limit=IMPORT_TTL_SECONDS - 60,
    time_limit=IMPORT_TTL_SECONDS,
)
def import_job_run_task(job_id: int) -> str | None:
    """Run one import job (check every row, then land them in chunks); its final state, or None
    when another run of the same job holds it. Idempotent: a finished job is left alone and an
    interrupted one resumes after the rows it recorded as landed."""
    with single_flight(f"import-job:{job_id}", ttl_seconds=IMPORT_TTL_SECONDS) as mine:
        if not mine:
            return None
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None:
            return None
        try:
            return str(import_job_run(job=job).state)
        except SoftTimeLimitExceeded:
            import_job_fail(job_id=job_id, message="the import ran past its time limit; start it again")
            raise
