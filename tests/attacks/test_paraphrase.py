"""Paraphrase batches: offline lexical, a tiny random HF causal LM, and an OpenAI-compatible HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import torch
from django.core.management import call_command
from transformers import GPT2Config, GPT2LMHeadModel

from attacks.models import AttackSubmission, CandidateStatus, ParaphraseBatch
from attacks.services.paraphrase import paraphrase_batch_create
from gauntlet.workqueue.models import WorkItem
from labeling.models import Example
from tests.attacks.conftest import SEED_PROMPT
from tests.ml_worker.core import toy

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(db: None) -> list[Example]:
    rows = []
    for index, completion in enumerate(
        ["anna hurt the dog .", "tom cut his friend quietly .", "max burned the cat ."]
    ):
        example = Example(
            prompt=SEED_PROMPT, completion=completion, batch=f"src-{index}", imported_label="injurious"
        )
        example.save()
        rows.append(example)
    return rows


def _loose(version) -> None:
    version.threshold = 1.0  # everything passes: the test is about the pipeline, not the model
    version.save(update_fields=["threshold"])


def test_lexical_batch_via_api_dedupes_scores_and_reaches_verification(
    manager_client, tiny_version, verification_queue, sources, django_capture_on_commit_callbacks
):
    _loose(tiny_version)
    with django_capture_on_commit_callbacks(execute=True):
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
    assert batch.status == "done"  # eager Celery ran the gpu task in-process
    counts = manager_client.get(f"/api/v1/paraphrase-batches/{batch.pk}/").json()["counts"]
    assert counts["generated"] >= 3 and counts["passed_classifier"] >= 1
    candidates = batch.candidates.exclude(completion="")
    assert all(c.score is not None for c in candidates if c.status != CandidateStatus.DUPLICATE)
    texts = [c.completion for c in candidates if c.status == CandidateStatus.PASSED]
    assert len(texts) == len(set(texts))  # deduplicated
    passed = AttackSubmission.objects.filter(source="paraphrase")
    assert passed.count() == counts["passed_classifier"]
    for submission in passed:
        assert submission.example.source == "paraphrase" and submission.example.parent_id in {
            s.pk for s in sources
        }
        assert WorkItem.objects.filter(
            queue=verification_queue, payload__example_id=submission.example_id
        ).exists()
    # Idempotent: running it again adds nothing.
    from attacks.tasks import run_paraphrase_batch

    run_paraphrase_batch(batch.pk)
    assert AttackSubmission.objects.filter(source="paraphrase").count() == counts["passed_classifier"]


def test_candidates_above_threshold_stay_out_of_verification(
    tiny_version, verification_queue, sources, django_capture_on_commit_callbacks
):
    tiny_version.threshold = 0.0
    tiny_version.save(update_fields=["threshold"])
    with django_capture_on_commit_callbacks(execute=True):
        batch = paraphrase_batch_create(
        created_by=None, verification_queue=verification_queue, selection="examples",
        example_ids=[sources[0].pk], k=2, paraphraser="lexical",
    )  # fmt: skip
    batch.refresh_from_db()
    assert batch.candidates.filter(status=CandidateStatus.REJECTED).exists()
    assert not AttackSubmission.objects.exists()


def test_bad_paraphraser_spec_is_a_400(manager_client, tiny_version, verification_queue, sources):
    response = manager_client.post(
        "/api/v1/paraphrase-batches/",
        {"sources": "injurious", "paraphraser": "gpt5", "verification_queue": verification_queue.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_paraphraser"


@pytest.fixture
def tiny_causal_lm(tmp_path: Path) -> Path:
    directory = tmp_path / "tiny-gpt2"
    toy.write_tokenizer(directory)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(toy.VOCAB), n_positions=512, n_embd=16, n_layer=1, n_head=2)
    GPT2LMHeadModel(config).save_pretrained(directory)
    return directory


def test_hf_paraphraser_with_a_tiny_random_model(tiny_version, verification_queue, sources, tiny_causal_lm):
    _loose(tiny_version)
    call_command(
        "paraphrase_batch", "--sources", "examples", "--example-ids", str(sources[0].pk), "--k", "2",
        "--paraphraser", f"hf:{tiny_causal_lm}", "--verification-queue", str(verification_queue.pk),
    )  # fmt: skip
    batch = ParaphraseBatch.objects.get()
    assert batch.status == "done" and batch.paraphraser == "hf"
    assert batch.candidates.count() >= 1


REPLIES = ["anna harmed the dog .", "the dog was wounded by anna .", "anna injured her puppy badly .", "x"]


class _FakeOpenAI(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.path == "/v1/chat/completions"
        choices = [{"message": {"content": text}} for text in REPLIES[: body["n"]]]
        payload = json.dumps({"choices": choices}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def openai_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_http_paraphraser_against_a_local_server(
    tiny_version, verification_queue, sources, openai_server, django_capture_on_commit_callbacks
):
    _loose(tiny_version)
    with django_capture_on_commit_callbacks(execute=True):
        batch = paraphrase_batch_create(
        created_by=None, verification_queue=verification_queue, selection="examples",
        example_ids=[sources[0].pk], k=3, paraphraser=f"http:{openai_server}",
    )  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == "done"
    completions = sorted(batch.candidates.values_list("completion", flat=True))
    assert completions == sorted(REPLIES[:3])
    assert AttackSubmission.objects.filter(source="paraphrase").count() == 3
