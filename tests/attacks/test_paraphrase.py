"""Paraphrase batches through ml_worker's core paraphrasers: the real MiniLM-constrained lexical search,
tiny random HF generators (causal and seq2seq) from a model directory, and an OpenAI-compatible server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import torch
from django.core.management import call_command
from transformers import BertTokenizer, GPT2Config, GPT2LMHeadModel, T5Config, T5ForConditionalGeneration

from attacks.models import AttackSubmission, CandidateStatus, ParaphraseBatch
from attacks.services.paraphrase import (
    paraphrase_batch_create,
    paraphrase_seed,
    paraphraser_for,
    paraphraser_spec_parse,
)
from gauntlet.workqueue.models import WorkItem
from labeling.models import Example, Source
from ml_worker import runtime
from ml_worker.core.similarity import SentenceEncoder
from tests.attacks.conftest import SEED_PROMPT
from tests.ml_worker.core import toy

pytestmark = pytest.mark.django_db

SOURCE_COMPLETIONS = ["anna hurt the dog .", "tom cut his friend quietly .", "max burned the cat ."]


@pytest.fixture
def sources(db: None) -> list[Example]:
    rows = []
    for index, completion in enumerate(SOURCE_COMPLETIONS):
        example = Example(
            prompt=SEED_PROMPT, completion=completion, batch=f"src-{index}", imported_label="injurious"
        )
        example.save()
        rows.append(example)
    return rows


def _loose(version) -> None:  # type: ignore[no-untyped-def]
    version.threshold = 1.0  # everything passes: the test is about the generator, not the model
    version.save(update_fields=["threshold"])


def _assert_passed_reached_verification(batch: ParaphraseBatch, verification_queue, sources) -> None:  # type: ignore[no-untyped-def]
    """Every passed candidate is a paraphrase Example (parent = its source) with a submission and an item
    on the verification queue; nothing else became an Example."""
    passed = batch.candidates.filter(status=CandidateStatus.PASSED).select_related("submission__example")
    for candidate in passed:
        example = candidate.submission.example
        assert candidate.submission.source == "paraphrase" and candidate.submission.author is None
        assert example.source == Source.PARAPHRASE and example.parent_id == candidate.source_id
        assert (example.prompt, example.completion) == (candidate.prompt, candidate.completion)
        assert WorkItem.objects.filter(queue=verification_queue, payload__example_id=example.pk).exists()
    assert Example.objects.filter(source=Source.PARAPHRASE).count() == passed.count()


def test_lexical_batch_via_api_keeps_minilm_similar_rewrites_scores_and_verifies_those_that_pass(
    manager_client, tiny_version, verification_queue, sources, settings, django_capture_on_commit_callbacks
):
    settings.GAUNTLET_PARAPHRASE_LEXICAL_MIN_SIMILARITY = 0.88  # stricter than the core's default 0.85
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager_client.post(
            "/api/v1/paraphrase-batches/",
            {
                "sources": "injurious",
                "k": 3,
                "paraphraser": "lexical",
                "verification_queue": verification_queue.pk,
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    batch = ParaphraseBatch.objects.get(pk=response.json()["id"])
    assert batch.status == "queued" and len(callbacks) == 1  # the gpu task is sent on commit
    assert (batch.paraphraser, batch.paraphraser_config) == ("lexical", {"min_similarity": 0.88})

    # The worker's paraphraser is loaded once per process: the batch run below reuses this very object.
    paraphraser = paraphraser_for(kind="lexical", config=batch.paraphraser_config)
    assert paraphraser_for(kind="lexical", config={"min_similarity": 0.88}) is paraphraser
    expected = {
        s.pk: paraphraser.paraphrase(
            s.prompt, s.completion, 3, paraphrase_seed(batch_id=batch.pk, source_id=s.pk)
        )
        for s in sources
    }
    assert all(expected.values())
    # One rewrite already exists as an example: it must come out as a duplicate, never re-verified.
    already = Example(prompt=SEED_PROMPT, completion=expected[sources[0].pk][0], batch="earlier")
    already.save()
    # Put the threshold between the tiny model's lowest and highest score of the fresh rewrites, so some
    # candidates pass and some are caught (deterministic: the seed is fixed per batch and source).
    fresh = [text for texts in expected.values() for text in texts if text != already.completion]
    scores = runtime.classifier_for(tiny_version).score([(SEED_PROMPT, text) for text in fresh])
    assert max(scores) > min(scores)
    tiny_version.threshold = (max(scores) + min(scores)) / 2
    tiny_version.save(update_fields=["threshold"])

    callbacks[0]()  # eager Celery: the gpu task runs in-process
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    encoder = SentenceEncoder(device="cpu")
    for source in sources:
        rows = list(batch.candidates.filter(source=source).order_by("id"))
        texts = [row.completion for row in rows]
        assert texts == expected[source.pk]  # the core paraphraser's output, seeded per (batch, source)
        assert len(set(texts)) == len(texts) and source.completion not in texts
        for row in rows:
            assert row.prompt == source.prompt  # only the completion is rewritten
            assert encoder.similarity(row.completion, source.completion) >= 0.88
    duplicate = batch.candidates.get(completion=already.completion)
    assert duplicate.status == CandidateStatus.DUPLICATE and duplicate.score is None
    scored = batch.candidates.exclude(status=CandidateStatus.DUPLICATE)
    assert scored.count() == len(fresh)
    for row in scored:
        assert row.score == pytest.approx(scores[fresh.index(row.completion)], abs=1e-5)
        assert (row.status == CandidateStatus.PASSED) == (row.score < tiny_version.threshold)
    assert {row.status for row in scored} == {CandidateStatus.PASSED, CandidateStatus.REJECTED}
    _assert_passed_reached_verification(batch, verification_queue, sources)

    counts = manager_client.get(f"/api/v1/paraphrase-batches/{batch.pk}/").json()["counts"]
    assert counts["duplicates"] == 1
    assert counts["passed_classifier"] == scored.filter(status=CandidateStatus.PASSED).count()
    # Idempotent: running it again adds nothing.
    from attacks.tasks import run_paraphrase_batch

    run_paraphrase_batch(batch.pk)
    assert batch.candidates.count() == sum(len(texts) for texts in expected.values())
    assert AttackSubmission.objects.filter(source="paraphrase").count() == counts["passed_classifier"]


def test_bad_paraphraser_spec_is_a_400(manager_client, tiny_version, verification_queue, sources):
    response = manager_client.post(
        "/api/v1/paraphrase-batches/",
        {"sources": "injurious", "paraphraser": "gpt5", "verification_queue": verification_queue.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_paraphraser"


def test_paraphraser_specs_name_the_core_settings(settings):
    settings.GAUNTLET_PARAPHRASE_HTTP_MODEL = "from-settings"
    settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS = ["gen"]
    assert paraphraser_spec_parse("hf:/models/t5") == (
        "hf",
        {"model_path": "/models/t5", "max_new_tokens": 48},
    )
    assert paraphraser_spec_parse("http:http://gen:8000/v1") == (
        "http",
        {"base_url": "http://gen:8000/v1", "model": "from-settings"},
    )
    assert paraphraser_spec_parse("http:https://gen/v1#llama-3-8b") == (
        "http",
        {"base_url": "https://gen/v1", "model": "llama-3-8b"},
    )


def _tiny_causal_lm(directory: Path) -> Path:
    tokenizer = toy.write_tokenizer(directory)
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(toy.VOCAB),
        n_positions=512,
        n_embd=16,
        n_layer=1,
        n_head=2,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.sep_token_id,
        bos_token_id=tokenizer.cls_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(directory)
    return directory


def _tiny_seq2seq(directory: Path) -> Path:
    toy.write_tokenizer(directory)
    # Like T5's own tokenizer, no token_type_ids (the core passes every tokenizer output to generate()).
    tokenizer = BertTokenizer(
        vocab=str(directory / "vocab.txt"), model_input_names=["input_ids", "attention_mask"]
    )
    tokenizer.save_pretrained(directory)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=len(toy.VOCAB),
        d_model=16,
        d_kv=8,
        d_ff=24,
        num_layers=1,
        num_heads=2,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.sep_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    T5ForConditionalGeneration(config).save_pretrained(directory)
    return directory


@pytest.mark.parametrize("builder", [_tiny_causal_lm, _tiny_seq2seq], ids=["causal", "seq2seq"])
def test_hf_paraphraser_from_a_model_directory(
    builder, tiny_version, verification_queue, sources, tmp_path, settings
):  # type: ignore[no-untyped-def]
    _loose(tiny_version)
    settings.GAUNTLET_PARAPHRASE_HF_MAX_NEW_TOKENS = 8  # short enough for the tiny classifier to judge
    directory = builder(tmp_path / "paraphrase-model")
    call_command(
        "paraphrase_batch",
        "--sources",
        "examples",
        "--example-ids",
        str(sources[0].pk),
        "--k",
        "2",
        "--paraphraser",
        f"hf:{directory}",
        "--verification-queue",
        str(verification_queue.pk),
    )
    batch = ParaphraseBatch.objects.get()
    assert batch.status == "done", batch.error
    assert (batch.paraphraser, batch.paraphraser_config) == (
        "hf",
        {"model_path": str(directory), "max_new_tokens": 8},
    )
    paraphraser = paraphraser_for(kind="hf", config=batch.paraphraser_config)
    assert getattr(paraphraser, "seq2seq") == (builder is _tiny_seq2seq)  # noqa: B009 - core attribute
    rows = list(batch.candidates.order_by("id"))
    expected = paraphraser.paraphrase(
        sources[0].prompt,
        sources[0].completion,
        2,
        paraphrase_seed(batch_id=batch.pk, source_id=sources[0].pk),
    )
    assert expected, "the tiny model generated nothing usable"
    # The candidates are exactly what the model in that directory samples for the batch's seed.
    assert [row.completion for row in rows] == [text.strip() for text in expected]
    for row in rows:
        assert row.completion != sources[0].completion
        assert row.status == CandidateStatus.PASSED and row.score is not None
    _assert_passed_reached_verification(batch, verification_queue, sources)


class _FakeOpenAI(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    replies = [
        "anna harmed the dog .",
        "the dog was wounded by anna .",
        "anna hurt the dog .",
        "the dog was wounded by anna .",
        "anna injured her dog badly .",
    ]

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        choices = [
            {"index": i, "message": {"role": "assistant", "content": text}}
            for i, text in enumerate(self.replies)
        ]
        payload = json.dumps({"object": "chat.completion", "choices": choices}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def openai_server() -> Iterator[str]:
    _FakeOpenAI.received = []
    server = HTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_http_paraphraser_posts_the_source_and_turns_choices_into_candidates(
    manager_client,
    tiny_version,
    verification_queue,
    sources,
    openai_server,
    settings,
    django_capture_on_commit_callbacks,
):
    _loose(tiny_version)
    settings.GAUNTLET_PARAPHRASE_HTTP_MODEL = "tiny-chat"
    settings.GAUNTLET_PARAPHRASE_HTTP_API_KEY = "test-key"
    settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    source = sources[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/v1/paraphrase-batches/",
            {
                "sources": "examples",
                "example_ids": [source.pk],
                "k": 3,
                "paraphraser": f"http:{openai_server}",
                "verification_queue": verification_queue.pk,
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    batch = ParaphraseBatch.objects.get(pk=response.json()["id"])
    assert batch.status == "done", batch.error
    assert batch.paraphraser_config == {"base_url": openai_server, "model": "tiny-chat"}  # no key stored

    [request] = _FakeOpenAI.received
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer test-key"
    body = request["body"]
    assert body["model"] == "tiny-chat" and body["n"] == 3
    assert body["seed"] == paraphrase_seed(batch_id=batch.pk, source_id=source.pk)
    user_message = body["messages"][-1]
    assert user_message["role"] == "user"
    assert source.prompt in user_message["content"] and source.completion in user_message["content"]

    # The source itself and the repeated choice are dropped; the first k distinct rewrites are candidates.
    completions = list(batch.candidates.order_by("id").values_list("completion", flat=True))
    assert completions == [
        "anna harmed the dog .",
        "the dog was wounded by anna .",
        "anna injured her dog badly .",
    ]
    assert all(score is not None for score in batch.candidates.values_list("score", flat=True))
    _assert_passed_reached_verification(batch, verification_queue, sources)
    assert AttackSubmission.objects.filter(source="paraphrase").count() == 3

    # A model named in the spec wins over the setting.
    paraphrase_batch_create(
        created_by=None,
        verification_queue=verification_queue,
        selection="examples",
        example_ids=[sources[1].pk],
        k=1,
        paraphraser=f"http:{openai_server}#other-model",
        enqueue=False,
    )
    from attacks.services.paraphrase import paraphrase_batch_run

    paraphrase_batch_run(batch=ParaphraseBatch.objects.latest("id"))
    assert _FakeOpenAI.received[-1]["body"]["model"] == "other-model"
