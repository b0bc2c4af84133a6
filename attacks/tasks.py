"""Celery entry points of the attacks app. Thin: load by id, call the service.

The paraphrase and matrix tasks run model code, so the project's routes
(``gauntlet.celery``) send them to the ``gpu`` queue; the lapsed-session sweep is
database work for the default queue. ``acks_late`` and ``reject_on_worker_lost`` are the
app's defaults (``gauntlet.celery``), not repeated here.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded


@shared_task(name="attacks.tasks.run_paraphrase_batch", bind=True, soft_time_limit=3000, time_limit=3300)
def run_paraphrase_batch(self: Task, batch_id: int) -> dict[str, int]:
    """Generate, deduplicate, score and enqueue a paraphrase batch.

    Idempotent: sources that already have candidates in this batch are skipped, so a
    redelivered message only finishes what is missing. Past the soft time limit the batch
    ends as failed, saying how many sources it finished.
    """
    from attacks.models import ParaphraseBatch
    from attacks.services.paraphrase import batch_stopped, paraphrase_batch_run

    batch = ParaphraseBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return {}
    try:
        return paraphrase_batch_run(batch=batch)
    except SoftTimeLimitExceeded:
        _, soft = self.request.timelimit or (None, None)
        batch_stopped(batch=batch, limit_seconds=soft or self.soft_time_limit)
        raise


@shared_task(name="attacks.tasks.run_attack_batch", bind=True, soft_time_limit=3000, time_limit=3300)
def run_attack_batch(self: Task, batch_id: int) -> dict[str, Any]:
    """Run an automated word-importance attack batch (classifier queries: the gpu queue).

    Idempotent: sources that already have a candidate row in this batch are skipped, so a
    redelivered message only finishes what is missing. Past the soft time limit the batch
    ends as failed, saying how many sources it finished.
    """
    from attacks.models import AttackBatch
    from attacks.services.paraphrase import batch_stopped
    from attacks.services.word_attack import attack_batch_run

    batch = AttackBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return {}
    try:
        return attack_batch_run(batch=batch)
    except SoftTimeLimitExceeded:
        _, soft = self.request.timelimit or (None, None)
        batch_stopped(
            batch=batch, limit_seconds=soft or self.soft_time_limit, faster="a smaller query budget"
        )
        raise


@shared_task(name="attacks.tasks.refresh_adversarial_matrix", soft_time_limit=1200, time_limit=1300)
def refresh_adversarial_matrix() -> int:
    """Score adversarial examples against classifier versions they have not met yet.

    Run periodically (beat, so newly trained versions get their column) and after a new
    adversarial example. Idempotent: only missing pairs are scored.
    """
    from attacks.services.matrix import adversarial_matrix_refresh

    return adversarial_matrix_refresh()


@shared_task(
    name="attacks.tasks.close_lapsed_rewrite_sessions",
    soft_time_limit=60,
    time_limit=90,
)
def close_lapsed_rewrite_sessions() -> int:
    """Mark open rewrite sessions whose lease expired or was released as abandoned; how many.

    Database only (default queue). Idempotent: only sessions still open whose task is gone are touched.
    Sessions are also closed lazily whenever one is read, edited or submitted and by the cost report, so
    nothing depends on this running on time.
    """
    from attacks.services.sessions.lapse import rewrite_sessions_close_lapsed

    return rewrite_sessions_close_lapsed()
