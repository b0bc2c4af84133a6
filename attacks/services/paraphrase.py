"""Paraphrase attack batches: generate k paraphrases per source, dedupe, score, verify what passes.

The paraphrasers are ml_worker's core ones (``ml_worker.core.paraphrasers``), named by a spec:

- ``lexical``: the built-in offline search of word substitutions kept under a MiniLM
  sentence-similarity constraint (``GAUNTLET_PARAPHRASE_LEXICAL_MIN_SIMILARITY``);
- ``hf:PATH``: a local Hugging Face seq2seq or causal LM directory, sampled with a few-shot prompt;
- ``http:URL`` or ``http:URL#MODEL``: an OpenAI-compatible chat-completions endpoint (model from the
  fragment, else ``GAUNTLET_PARAPHRASE_HTTP_MODEL``; the key from ``GAUNTLET_PARAPHRASE_HTTP_API_KEY``,
  read when the batch runs, never stored on the batch).

The completion (where the injury is) is paraphrased; the prompt is context and is kept.
"""

from __future__ import annotations

import threading
import zlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from attacks import scoring
from attacks.kinds import VERIFICATION
from attacks.models import (
    AdversarialExample,
    AttackSource,
    BatchStatus,
    CandidateStatus,
    ParaphraseBatch,
    ParaphraseCandidate,
)
from attacks.services.near_duplicates import (
    attack_text,
    edit_similarity,
    near_duplicate_candidates,
    near_duplicate_find,
)
from attacks.services.paraphraser_peer import paraphraser_url_check
from attacks.services.verification_items import automatic_candidate_verify
from gauntlet.accounts.models import User
from gauntlet.common.enqueue import task_send_on_commit
from gauntlet.errors import Conflict, Invalid
from gauntlet.workqueue.models import Queue, QueueState
from labeling.models import Consensus, Example, InjuryLabel, Source, content_hash
from labeling.services.examples import text_clean
from ml_worker.core.passing import passes
from ml_worker.selectors import classifier_version_active

if TYPE_CHECKING:  # the core imports torch: only the worker that runs a batch loads it
    from ml_worker.core.paraphrasers import Paraphraser

SELECTIONS = ("adversarial", "injurious", "examples")
MAX_K = 50
MAX_SOURCES = 10_000


def paraphraser_spec_parse(spec: str) -> tuple[str, dict[str, Any]]:
    """``lexical`` | ``hf:/path/to/model`` | ``http:https://host/v1[#model]`` → (kind, config); 400 otherwise.

    The config is what the batch records (the core paraphraser's keyword arguments, minus secrets):
    the lexical similarity minimum, the HF generation length and the HTTP model name are fixed when the
    batch is created.
    """
    spec = (spec or "").strip()
    if spec == "lexical":
        return "lexical", {"min_similarity": float(settings.GAUNTLET_PARAPHRASE_LEXICAL_MIN_SIMILARITY)}
    if spec.startswith("hf:") and spec[3:].strip():
        return "hf", {
            "model_path": spec[3:].strip(),
            "max_new_tokens": int(settings.GAUNTLET_PARAPHRASE_HF_MAX_NEW_TOKENS),
        }
    if spec.startswith("http:") and spec[5:].startswith(("http://", "https://")):
        url, _, model = spec[5:].partition("#")
        paraphraser_url_check(url)
        return "http", {
            "base_url": url,
            "model": model.strip() or str(settings.GAUNTLET_PARAPHRASE_HTTP_MODEL),
        }
    raise Invalid(
        "invalid_paraphraser",
        "paraphraser must be 'lexical', 'hf:<model directory>' or "
        "'http:<OpenAI-compatible base URL>[#<model name>]'.",
        fields={"paraphraser": ["lexical | hf:PATH | http:URL[#MODEL]"]},
    )


def paraphrase_sources_select(
    *, selection: str, round: str | None = None, example_ids: list[int] | None = None
) -> list[int]:
    """Source example ids: all adversarial examples (of a round), consensus-injurious examples, or a list."""
    if selection == "adversarial":
        adversarial = AdversarialExample.objects.all()
        if round:
            adversarial = adversarial.filter(round=round)
        return sorted(adversarial.values_list("example_id", flat=True))
    if selection == "injurious":
        consensus = set(
            Consensus.objects.filter(label=InjuryLabel.INJURIOUS, decided=True, final=True).values_list(
                "example_id", flat=True
            )
        )
        imported = set(
            Example.objects.filter(imported_label=InjuryLabel.INJURIOUS).values_list("pk", flat=True)
        )
        ids = consensus | imported
        return sorted(
            Example.objects.filter(pk__in=ids)
            .exclude(source__in=(Source.PARAPHRASE, Source.WORD_ATTACK))
            .values_list("pk", flat=True)
        )
    if selection == "examples":
        wanted = sorted(set(example_ids or []))
        found = set(Example.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = [i for i in wanted if i not in found]
        if missing:
            raise Invalid("unknown_examples", f"No such examples: {', '.join(map(str, missing))}.")
        return wanted
    raise Invalid("invalid_selection", f"sources must be one of {', '.join(SELECTIONS)}.")


@transaction.atomic
def paraphrase_batch_create(
    *,
    created_by: User | None,
    verification_queue: Queue,
    selection: str,
    k: int,
    paraphraser: str,
    round: str | None = None,
    example_ids: list[int] | None = None,
    enqueue: bool = True,
) -> ParaphraseBatch:
    """A queued batch over the chosen sources; the gpu task ``run_paraphrase_batch`` is sent on commit."""
    kind, config = paraphraser_spec_parse(paraphraser)
    if not 1 <= k <= MAX_K:
        raise Invalid("invalid_k", f"k is the number of paraphrases per source: 1 to {MAX_K}.")
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
    batch = ParaphraseBatch.objects.create(
        sources=sources,
        selection={"sources": selection, "round": round},
        k=k,
        paraphraser=kind,
        paraphraser_config=config,
        classifier_version=version,
        verification_queue=verification_queue,
        created_by=created_by,
    )
    if enqueue:
        task_send_on_commit("attacks.tasks.run_paraphrase_batch", batch.pk)
    return batch


# Loaded paraphrasers of this worker process, so a process running many batches loads MiniLM (and its
# embedding-neighbour index) or an HF generator once. Keyed by kind and config; at most one HF model is
# kept, as a gpu worker keeps one model per process.
_loaded: dict[tuple[str, str], Paraphraser] = {}
_loaded_lock = threading.Lock()


def _config_key(config: dict[str, Any]) -> str:
    return repr(sorted(config.items()))


def paraphraser_for(*, kind: str, config: dict[str, Any]) -> Paraphraser:
    """The core paraphraser for a batch's (kind, config), loaded once per process for lexical and hf.

    HTTP paraphrasers are cheap and are built per call, with the API key read from settings now.
    Older batches stored ``path``/``url``; those names are still understood.
    """
    from ml_worker.core.paraphrasers import build_paraphraser

    config = dict(config)
    if kind == "hf" and "path" in config:
        config["model_path"] = config.pop("path")
    if kind == "http":
        if "url" in config:
            config["base_url"] = config.pop("url")
        config.setdefault("model", str(settings.GAUNTLET_PARAPHRASE_HTTP_MODEL))
        paraphraser_url_check(config["base_url"])  # again: the list may have changed since creation
        return build_paraphraser(
            "http",
            api_key=settings.GAUNTLET_PARAPHRASE_HTTP_API_KEY or None,
            timeout=float(settings.GAUNTLET_PARAPHRASE_HTTP_TIMEOUT),
            **config,
        )
    key = (kind, _config_key(config))
    with _loaded_lock:
        paraphraser = _loaded.get(key)
        if paraphraser is None:
            if kind == "hf":
                for other in [k for k in _loaded if k[0] == "hf"]:
                    del _loaded[other]
            paraphraser = _loaded[key] = build_paraphraser(kind, **config)
    return paraphraser


def paraphrase_seed(*, batch_id: int, source_id: int) -> int:
    """The sampling seed of one source in one batch: fixed, so a re-run regenerates the same texts."""
    return zlib.crc32(f"paraphrase:{batch_id}:{source_id}".encode())


def _generate(paraphraser: Paraphraser, batch: ParaphraseBatch, source: Example) -> list[str]:
    """k paraphrases of the source's completion (its prompt is context)."""
    seed = paraphrase_seed(batch_id=batch.pk, source_id=source.pk)
    return [str(text) for text in paraphraser.paraphrase(source.prompt, source.completion, batch.k, seed)]


def _source_candidates(batch: ParaphraseBatch, source: Example, texts: list[str]) -> None:
    """Dedupe, score and enqueue one source's paraphrases, in one transaction (the unit of idempotency)."""
    max_similar = float(settings.GAUNTLET_PARAPHRASE_DEDUP_MAX_EDIT_SIMILARITY)
    version = batch.classifier_version
    kept: list[str] = []
    rows: list[ParaphraseCandidate] = []
    registry = near_duplicate_candidates(author=None)  # read once for all of this source's texts
    for raw in texts:
        try:
            completion = text_clean(
                raw, field="completion", max_chars=settings.GAUNTLET_EXAMPLE_MAX_COMPLETION_CHARS
            )
        except ValueError:
            continue  # empty or unusable generations are not candidates
        digest = content_hash(source.prompt, completion)
        text = attack_text(source.prompt, completion)
        duplicate = (
            completion == source.completion
            or Example.objects.filter(content_hash=digest).exists()
            or any(edit_similarity(text, attack_text(source.prompt, other)) > max_similar for other in kept)
            or near_duplicate_find(
                prompt=source.prompt, completion=completion, author=None, candidates=registry
            )
            is not None
        )
        status = CandidateStatus.DUPLICATE if duplicate else CandidateStatus.REJECTED
        rows.append(
            ParaphraseCandidate(
                batch=batch, source=source, prompt=source.prompt, completion=completion, status=status
            )
        )
        if not duplicate:
            kept.append(completion)
    fresh = [row for row in rows if row.status != CandidateStatus.DUPLICATE]
    scores = scoring.texts_score(version=version, pairs=[(row.prompt, row.completion) for row in fresh])
    with transaction.atomic():
        for row, score in zip(fresh, scores, strict=True):
            row.score = score
            if score is not None and passes(score, version.threshold):
                row.status = CandidateStatus.PASSED
                row.submission = automatic_candidate_verify(
                    batch=batch,
                    source=source,
                    completion=row.completion,
                    score=score,
                    attack_source=AttackSource.PARAPHRASE,
                )
        if not rows:  # a source that yielded nothing still counts as done
            rows.append(
                ParaphraseCandidate(
                    batch=batch,
                    source=source,
                    prompt=source.prompt,
                    completion="",
                    status=CandidateStatus.DUPLICATE,
                )
            )
        ParaphraseCandidate.objects.bulk_create(rows)


def batch_stopped(
    *, batch: ParaphraseBatch, limit_seconds: float | None, faster: str = "a faster paraphraser"
) -> None:
    """Record that a paraphrase or attack batch's task ran past its time limit: failed, saying how far
    it got (the sources done keep their candidates and verification items) and what to start next."""
    done = batch.candidates.values("source_id").distinct().count()
    limit = f" ({limit_seconds:g} s)" if limit_seconds else ""
    ParaphraseBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.FAILED,
        finished_at=timezone.now(),
        error=f"Stopped at the task's time limit{limit} after {done} of {len(batch.sources)} sources; "
        f"their candidates are kept. Start a batch for the rest with fewer sources or {faster}.",
    )


def paraphrase_batch_run(*, batch: ParaphraseBatch) -> dict[str, int]:
    """Run (or finish) a batch: each source not yet done gets its candidates. Returns the counts.

    Idempotent: done sources (with candidate rows) are skipped; a finished batch is only counted.
    """
    if batch.status != BatchStatus.DONE:
        ParaphraseBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
        try:
            paraphraser = paraphraser_for(kind=batch.paraphraser, config=batch.paraphraser_config)
            done = set(batch.candidates.values_list("source_id", flat=True))
            for source in Example.objects.filter(pk__in=batch.sources).exclude(pk__in=done).order_by("id"):
                _source_candidates(batch, source, _generate(paraphraser, batch, source))
        except Exception as exc:
            ParaphraseBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.FAILED, error=str(exc)[:2000]
            )
            raise
        ParaphraseBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, finished_at=timezone.now()
        )
    from attacks.selectors import paraphrase_batch_counts

    counts = paraphrase_batch_counts(batch=batch)
    return {key: value for key, value in counts.items() if isinstance(value, int)}
