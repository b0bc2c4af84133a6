"""Generation batches: k completions per prompt from a pluggable generator, stored as Examples."""

from __future__ import annotations

import os
import traceback
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.common.enqueue import task_send_on_commit
from gauntlet.common.peers import peer_url_allowed
from gauntlet.errors import Conflict, Invalid
from labeling.models import Source
from labeling.services.examples import example_create
from ml_worker.core.generation import GeneratorError, build_generator
from ml_worker.core.generation.base import KINDS, CompletionGenerator
from ml_worker.core.generation.story import story_prompts
from ml_worker.reliability.models import BatchStatus, GeneratedSample, GenerationBatch

MAX_SAMPLES_PER_PROMPT = 100
MAX_PROMPTS = 100_000
_REQUIRED = {"hf": ("model_path",), "http": ("base_url", "model")}


def generator_url_check(url: str) -> None:
    """400 ``generator_not_allowed`` unless the http generator's host is on
    ``GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS`` (``gauntlet.common.peers``): the stories and
    ``GAUNTLET_GENERATOR_API_KEY`` go to that host only."""
    if peer_url_allowed(url, settings.GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS):
        return
    allowed = ", ".join(settings.GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS) or "none"
    raise Invalid(
        "generator_not_allowed",
        f"The generator URL {url} is not on the allowed hosts (GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS: "
        f"{allowed}); use one of them, or ask an operator to add the host.",
        fields={"generator_settings": ["base_url: host not allowed"]},
    )


def _checked_settings(kind: str, generator_settings: dict[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise Invalid("invalid_generator", f"Unknown generator {kind!r}; choose from {', '.join(KINDS)}.")
    if not isinstance(generator_settings, dict):
        raise Invalid("invalid_generator", "generator_settings must be an object.")
    missing = [key for key in _REQUIRED.get(kind, ()) if not generator_settings.get(key)]
    if missing:
        raise Invalid("invalid_generator", f"The {kind} generator needs {', '.join(missing)}.")
    if kind == "http":
        generator_url_check(str(generator_settings["base_url"]))
    if kind == "story_world":  # cheap to build: check its settings now rather than on the worker
        try:
            build_generator(kind, **generator_settings)
        except GeneratorError as error:
            raise Invalid("invalid_generator", str(error)) from error
    return {k: v for k, v in generator_settings.items() if k != "api_key"}


@transaction.atomic
def generation_batch_create(
    *,
    name: str,
    generator_kind: str,
    samples_per_prompt: int,
    prompts: list[str] | None = None,
    n_prompts: int | None = None,
    generator_settings: dict[str, Any] | None = None,
    seed: int = 0,
    created_by: User | None = None,
    enqueue: bool = True,
) -> GenerationBatch:
    """A queued batch. ``prompts`` are the stories to continue; without them, ``n_prompts`` prompts
    come from the synthetic story world. Side effect: ``generation_batch_run`` queued on commit.
    The API key of an HTTP generator is read from ``GAUNTLET_GENERATOR_API_KEY`` on the worker,
    never stored."""
    generator_settings = _checked_settings(generator_kind, dict(generator_settings or {}))
    if not 1 <= samples_per_prompt <= MAX_SAMPLES_PER_PROMPT:
        raise Invalid("invalid_batch", f"samples_per_prompt must be between 1 and {MAX_SAMPLES_PER_PROMPT}.")
    if prompts is None:
        if not n_prompts or not 1 <= n_prompts <= MAX_PROMPTS:
            raise Invalid("invalid_batch", f"Give prompts, or n_prompts between 1 and {MAX_PROMPTS}.")
        prompts = story_prompts(n_prompts, seed=seed)
    cleaned = [p.strip() for p in prompts if isinstance(p, str)]
    if not cleaned or len(cleaned) != len(prompts) or not all(cleaned) or len(cleaned) > MAX_PROMPTS:
        raise Invalid("invalid_batch", f"prompts must be 1 to {MAX_PROMPTS} non-empty strings.")
    if GenerationBatch.objects.filter(name=name).exists():
        raise Conflict("duplicate_name", f"A generation batch named {name!r} exists.")
    batch = GenerationBatch.objects.create(
        name=name,
        generator_kind=generator_kind,
        generator_settings=generator_settings,
        prompts=cleaned,
        samples_per_prompt=samples_per_prompt,
        seed=seed,
        created_by=created_by,
    )
    if enqueue:
        task_send_on_commit("ml_worker.tasks.generation_batch_run", batch.pk)
    return batch


def _generator(batch: GenerationBatch) -> CompletionGenerator:
    options = dict(batch.generator_settings)
    if batch.generator_kind == "hf":
        from ml_worker.core.artifacts import materialize

        uri = str(options.pop("model_path"))
        key = "generator-" + "".join(c if c.isalnum() else "-" for c in uri)[-80:]
        options["model_path"] = str(materialize(uri, settings.GAUNTLET_MODEL_CACHE, key))
    if batch.generator_kind == "http":
        generator_url_check(str(options.get("base_url", "")))  # again: the list may have changed
    api_key = os.environ.get("GAUNTLET_GENERATOR_API_KEY", "")  # a secret: read at use, never stored
    if batch.generator_kind == "http" and api_key:
        options["api_key"] = api_key
    return build_generator(batch.generator_kind, **options)


def generation_batch_execute(*, batch_id: int) -> GenerationBatch:
    """Generate and store the batch's completions. Idempotent: a finished batch is returned as it is;
    a re-run of an interrupted one writes only the samples it lacks (the unique (batch, prompt,
    sample) constraint and example dedupe make a repeat write nothing). Side effects: Examples with
    source ``generator`` under ``generation-<id>``, one GeneratedSample each; empty or invalid
    completions are counted in ``skipped``; ``score_unscored`` is kicked on commit."""
    with transaction.atomic():
        batch = GenerationBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status in (BatchStatus.SUCCEEDED, BatchStatus.FAILED):
            return batch
        batch.status = BatchStatus.RUNNING
        batch.save(update_fields=["status"])
    try:
        samples = _generator(batch).generate(batch.prompts, batch.samples_per_prompt, int(batch.seed))
        done = set(GeneratedSample.objects.filter(batch=batch).values_list("prompt_index", "sample_index"))
        skipped = 0
        with transaction.atomic():
            rows = []
            for sample in samples:
                if (sample.prompt_index, sample.sample_index) in done:
                    continue
                if not sample.completion.strip():
                    skipped += 1
                    continue
                try:
                    example = example_create(
                        prompt=batch.prompts[sample.prompt_index],
                        completion=sample.completion,
                        source=Source.GENERATOR,
                        batch=batch.example_batch,
                    )
                except ValidationError:  # e.g. a control character a raw model emitted
                    skipped += 1
                    continue
                rows.append(
                    GeneratedSample(
                        example=example,
                        batch=batch,
                        prompt_index=sample.prompt_index,
                        sample_index=sample.sample_index,
                        seed=sample.seed,
                        intended_label=sample.intended_label,
                    )
                )
            GeneratedSample.objects.bulk_create(rows, ignore_conflicts=True)
            GenerationBatch.objects.filter(pk=batch_id).update(
                status=BatchStatus.SUCCEEDED, finished_at=timezone.now(), skipped=skipped
            )
    except Exception as exc:
        GenerationBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED,
            finished_at=timezone.now(),
            error="".join(traceback.format_exception_only(type(exc), exc)).strip(),
        )
        raise
    task_send_on_commit("ml_worker.tasks.score_unscored")
    return GenerationBatch.objects.get(pk=batch_id)
