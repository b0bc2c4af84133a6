"""The completion generators: offline story world, a tiny random causal LM, an HTTP endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from ml_worker.core.generation import CompletionGenerator, GeneratorError, build_generator
from ml_worker.core.generation.base import first_sentence
from ml_worker.core.generation.story import story_prompts
from tests.ml_worker.core.test_paraphrasers import _tiny_gpt2


def test_story_world_generator_is_injurious_at_its_rate_and_reproducible() -> None:
    generator = build_generator("story_world", injury_rate=0.05)
    assert isinstance(generator, CompletionGenerator)
    prompts = story_prompts(200, seed=1)
    assert len(set(prompts)) == 200
    samples = generator.generate(prompts, 10, seed=3)
    assert len(samples) == 2000
    assert {(s.prompt_index, s.sample_index) for s in samples} == {
        (p, i) for p in range(200) for i in range(10)
    }
    rate = sum(s.intended_label or 0 for s in samples) / len(samples)
    assert 0.03 < rate < 0.07
    # The protagonist of the prompt is the one the completion is about.
    for sample in samples[:50]:
        assert prompts[sample.prompt_index].split()[0] in sample.completion
    assert generator.generate(prompts[:5], 10, seed=3) == samples[:50]
    assert generator.generate(prompts[:5], 10, seed=4) != samples[:50]


def test_hf_generator_samples_one_sentence_per_seed_from_a_tiny_random_causal_lm(tmp_path: Path) -> None:
    directory = _tiny_gpt2(tmp_path / "gpt2")
    generator = build_generator("hf", model_path=str(directory), device="cpu", max_new_tokens=12)
    prompts = ["tom went to the park .", "anna sang with her dog ."]
    samples = generator.generate(prompts, 3, seed=5)
    assert [(s.prompt_index, s.sample_index) for s in samples] == [(p, i) for p in range(2) for i in range(3)]
    assert len({s.seed for s in samples}) == 6
    assert all("\n" not in s.completion and s.intended_label is None for s in samples)
    assert generator.generate(prompts, 3, seed=5) == samples
    assert generator.settings()["model_path"] == str(directory)
    with pytest.raises(GeneratorError, match="does not exist"):
        build_generator("hf", model_path=str(tmp_path / "missing"))


class _CompletionServer(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        text = f" Then the cat slept (seed {body['seed']}). And a second sentence.\nMore"
        payload = json.dumps({"choices": [{"index": 0, "text": text}]}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def completion_server() -> Iterator[str]:
    _CompletionServer.requests, _CompletionServer.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _CompletionServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_http_generator_asks_an_openai_compatible_endpoint_once_per_seeded_sample(
    completion_server: str,
) -> None:
    generator = build_generator("http", base_url=completion_server, model="gen-7b", api_key="sk-x", timeout=5)
    samples = generator.generate(["Tom went out."], 2, seed=1)
    assert len(_CompletionServer.requests) == 2
    first = _CompletionServer.requests[0]
    assert first["path"] == "/v1/completions" and first["auth"] == "Bearer sk-x"
    assert first["body"]["model"] == "gen-7b" and first["body"]["seed"] == samples[0].seed
    assert samples[0].completion == f"Then the cat slept (seed {samples[0].seed})."
    assert "sk-x" not in json.dumps(generator.settings())
    _CompletionServer.status = 500
    with pytest.raises(GeneratorError, match="HTTP 500"):
        generator.generate(["Tom went out."], 1, seed=1)


def test_unknown_generators_and_bad_settings_say_what_to_fix() -> None:
    with pytest.raises(GeneratorError, match="choose from story_world, hf, http"):
        build_generator("gpt-9")
    with pytest.raises(GeneratorError, match="bad settings for the story_world generator"):
        build_generator("story_world", temperature=3)
    with pytest.raises(GeneratorError, match="probability"):
        build_generator("story_world", injury_rate=2)


def test_first_sentence_keeps_one_line_and_one_sentence() -> None:
    assert first_sentence('  She smiled. "Then"\nmore') == "She smiled."
    assert first_sentence("no end in sight") == "no end in sight"
    assert first_sentence('He said "stop!" and ran. Later') == 'He said "stop!"'
