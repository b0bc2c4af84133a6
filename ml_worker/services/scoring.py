"""Bulk scoring of stored examples, cached by (content hash, classifier version)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from ml_worker import runtime
from ml_worker.models import ClassifierVersion, Score, Unscorable
from ml_worker.selectors import examples_unscored

logger = logging.getLogger(__name__)


def pairs_score(version: ClassifierVersion, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
    """P(injurious) per pair; None for a pair the model cannot take (a completion over the token limit)."""
    return [p if isinstance(p, float) else None for p in _pairs_score_or_reason(version, pairs)]


def _pairs_score_or_reason(version: ClassifierVersion, pairs: Sequence[tuple[str, str]]) -> list[float | str]:
    """P(injurious) per pair, or the reason the model cannot take it (a completion over the token limit:
    the completion is what is judged, so it is never cut)."""
    clf = runtime.classifier_for(version)
    batch = settings.GAUNTLET_SCORE_FORWARD_BATCH
    try:
        return [float(p) for p in clf.score(pairs, batch_size=batch)]
    except ValueError:
        # One over-long completion fails the whole call; score one by one to keep the rest.
        out: list[float | str] = []
        for pair in pairs:
            try:
                out.append(float(clf.score([pair])[0]))
            except ValueError as exc:
                logger.warning("not scored by %s: %s", version.name, exc)
                out.append(str(exc))
        return out


def examples_score(*, example_ids: Sequence[int], version: ClassifierVersion) -> int:
    """Give every listed example a score from ``version``; returns how many scores were written.

    Idempotent: examples that already have a score from ``version`` are skipped,
    and the insert ignores a concurrent duplicate. Texts already scored by this
    version under another example (same content hash) reuse that probability
    without running the model. A pair the model cannot take is recorded once as
    :class:`Unscorable` with the reason, and never tried again.
    """
    todo = list(
        examples_unscored(version=version)
        .filter(pk__in=example_ids)
        .values_list("pk", "content_hash", "prompt", "completion")
    )
    if not todo:
        return 0
    hashes = {row[1] for row in todo}
    cached = dict(
        Score.objects.filter(classifier_version=version, content_hash__in=hashes).values_list(
            "content_hash", "probability"
        )
    )
    # One forward per distinct text not in the cache.
    missing: dict[str, tuple[str, str]] = {}
    for _, digest, prompt, completion in todo:
        if digest not in cached:
            missing.setdefault(digest, (prompt, completion))
    refused: dict[str, str] = {}
    if missing:
        for digest, answer in zip(
            missing, _pairs_score_or_reason(version, list(missing.values())), strict=True
        ):
            if isinstance(answer, float):
                cached[digest] = answer
            else:
                refused[digest] = answer
    rows = [
        Score(example_id=pk, classifier_version=version, content_hash=digest, probability=cached[digest])
        for pk, digest, _, _ in todo
        if digest in cached
    ]
    refusals = [
        Unscorable(example_id=pk, classifier_version=version, content_hash=digest, reason=refused[digest])
        for pk, digest, _, _ in todo
        if digest in refused
    ]
    with transaction.atomic():
        Score.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        Unscorable.objects.bulk_create(refusals, ignore_conflicts=True, batch_size=1000)
    return len(rows)
