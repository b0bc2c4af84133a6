"""Automated attack batches: ml_worker's greedy word-importance attack over injurious sources.

They run beside paraphrase batches and share their machinery: a batch is a ``ParaphraseBatch`` row with
``paraphraser = "word_attack"`` (the proxy model :class:`~attacks.models.AttackBatch`), its attempts are
``ParaphraseCandidate`` rows (one per source, with the classifier queries it used), and a candidate that
ends below the attacked version's threshold becomes an Example (source ``word_attack``: an automatic
rewrite, no author) with an ``AttackSubmission`` of source ``word_attack`` on a blind verification queue.
Nothing is trusted automatically: only verification consensus makes an adversarial example of it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Sum
from django.utils import timezone

from attacks.kinds import VERIFICATION
from attacks.models import (
    AttackBatch,
    AttackSource,
    BatchStatus,
    CandidateStatus,
    ParaphraseBatch,
    ParaphraseCandidate,
)
from attacks.services.near_duplicates import near_duplicate_candidates, near_duplicate_find
from attacks.services.paraphrase import paraphrase_sources_select
from attacks.services.verification_items import automatic_candidate_verify
from gauntlet.accounts.models import User
from gauntlet.common.enqueue import task_send_on_commit
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue.models import Queue, QueueState
from labeling.models import Example, content_hash
from ml_worker.core.passing import passes
from ml_worker.selectors import classifier_version_active

WORD_ATTACK = "word_attack"
MAX_SOURCES = 5_000
LIMITS = {"query_budget": (20, 5_000), "max_changes": (1, 20), "min_similarity": (0.0, 1.0)}


def _config(*, query_budget: int, max_changes: int, min_similarity: float) -> dict[str, Any]:
    config: dict[str, Any] = {
        "query_budget": query_budget,
        "max_changes": max_changes,
        "min_similarity": min_similarity,
        "candidates_per_word": int(settings.GAUNTLET_SUBSTITUTION_CANDIDATES) // 2 or 1,
    }
    for name, (low, high) in LIMITS.items():
        if not low <= config[name] <= high:
            raise Invalid(
                "invalid_attack_config", f"{name} must be between {low} and {high}.", fields={name: [""]}
            )
    return config


@transaction.atomic
def attack_batch_create(
    *,
    created_by: User | None,
    verification_queue: Queue,
    selection: str,
    round: str | None = None,
    example_ids: list[int] | None = None,
    query_budget: int = 200,
    max_changes: int = 4,
    min_similarity: float = 0.8,
    enqueue: bool = True,
) -> AttackBatch:
    """A queued automated attack on the chosen sources against the active version; the gpu task
    ``attacks.tasks.run_attack_batch`` is sent on commit (``enqueue``). 400/409 for bad input."""
    config = _config(query_budget=query_budget, max_changes=max_changes, min_similarity=min_similarity)
    if verification_queue.kind != VERIFICATION or verification_queue.state == QueueState.CLOSED:
        raise Invalid("invalid_queue", "verification_queue must be an open queue of kind verification.")
    version = classifier_version_active()
    if version is None:
        raise Conflict("no_active_classifier", "No classifier version is active; promote one first.")
    sources = paraphrase_sources_select(selection=selection, round=round, example_ids=example_ids)
    if not sources:
        raise Invalid("no_sources", f"The selection {selection!r} found no source examples.")
    if len(sources) > MAX_SOURCES:
        raise Invalid("too_many_sources", f"At most {MAX_SOURCES} sources per batch.")
    batch = AttackBatch.objects.create(
        sources=sources,
        selection={"sources": selection, "round": round},
        k=1,
        paraphraser=WORD_ATTACK,
        paraphraser_config=config,
        classifier_version=version,
        verification_queue=verification_queue,
        created_by=created_by,
    )
    if enqueue:
        task_send_on_commit("attacks.tasks.run_attack_batch", batch.pk)
    return batch


def _record(batch: ParaphraseBatch, source: Example, completion: str, score: float, queries: int) -> None:
    """One source's attempt, in one transaction (the unit of idempotency)."""
    version = batch.classifier_version
    changed = completion != source.completion
    duplicate = (
        not changed
        or Example.objects.filter(content_hash=content_hash(source.prompt, completion)).exists()
        or near_duplicate_find(
            prompt=source.prompt,
            completion=completion,
            author=None,
            candidates=near_duplicate_candidates(author=None),
        )
        is not None
    )
    passed = not duplicate and passes(score, version.threshold)
    status = (
        CandidateStatus.PASSED
        if passed
        else CandidateStatus.DUPLICATE
        if duplicate and changed
        else CandidateStatus.REJECTED
    )
    with transaction.atomic():
        row = ParaphraseCandidate(
            batch=batch,
            source=source,
            prompt=source.prompt,
            completion=completion,
            score=score,
            status=status,
            queries=queries,
        )
        if passed:
            row.submission = automatic_candidate_verify(
                batch=batch,
                source=source,
                completion=completion,
                score=score,
                attack_source=AttackSource.WORD_ATTACK,
            )
        row.save()


def attack_batch_run(*, batch: ParaphraseBatch) -> dict[str, Any]:
    """Attack every source not yet attempted with the batch's version (loaded once per worker process).

    Idempotent: sources with a candidate row are skipped; a finished batch is only counted. The score of
    a candidate is the attack's own final exact score under that version (the same model the verification
    submission records).
    """
    from ml_worker import runtime
    from ml_worker.core.word_attack import AttackConfig, greedy_word_attack

    if batch.status != BatchStatus.DONE:
        ParaphraseBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
        try:
            clf = runtime.classifier_for(batch.classifier_version)
            config = AttackConfig(**batch.paraphraser_config)
            threshold = batch.classifier_version.threshold
            done = set(batch.candidates.values_list("source_id", flat=True))
            for source in Example.objects.filter(pk__in=batch.sources).exclude(pk__in=done).order_by("id"):
                try:
                    result = greedy_word_attack(
                        clf, source.prompt, source.completion, threshold=threshold, config=config
                    )
                except ValueError:  # a completion longer than the classifier reads: nothing to attack
                    _record(batch, source, source.completion, float("nan"), 0)
                    continue
                _record(batch, source, result.completion, result.score, result.queries)
        except Exception as exc:
            ParaphraseBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.FAILED, error=str(exc)[:2000]
            )
            raise
        ParaphraseBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, finished_at=timezone.now()
        )
    return attack_batch_counts(batch=batch)


def attack_batch_counts(*, batch: ParaphraseBatch) -> dict[str, Any]:
    """attempted, candidates (below threshold, sent to verification), verified adversarial examples,
    failed verification, queries (total and per candidate), and the verification cost so far."""
    from attacks.selectors import paraphrase_batch_counts

    counts = paraphrase_batch_counts(batch=batch)
    rows = batch.candidates.all()
    queries = rows.aggregate(total=Sum("queries"), mean=Avg("queries"))
    candidates = int(counts["passed_classifier"])
    return {
        "attempted": rows.count(),
        "candidates": candidates,
        "verified_adversarial": counts["verified_injurious"],
        "failed_verification": counts["failed_verification"],
        "queries": int(queries["total"] or 0),
        "queries_per_attempt": round(float(queries["mean"]), 1) if queries["mean"] is not None else None,
        "queries_per_candidate": round((queries["total"] or 0) / candidates, 1) if candidates else None,
        "cost": counts["cost"],
    }
