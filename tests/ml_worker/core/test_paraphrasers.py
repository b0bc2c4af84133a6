from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
    T5Config,
    T5ForConditionalGeneration,
)

from ml_worker.core.paraphrasers import (
    HFParaphraser,
    HTTPParaphraser,
    LexicalParaphraser,
    Paraphraser,
    ParaphraserError,
    build_paraphraser,
    few_shot_prompt,
)
from ml_worker.core.similarity import SentenceEncoder, normalized_edit_distance
from tests.ml_worker.core import toy

STORY = "tom went to the park . it was a sunny day ."
SOURCES = [
    (
        "Maria walked her dog along the river. The path was icy. She held the leash tightly.",
        "Suddenly she slipped on the ice and broke her wrist badly.",
    ),
    (
        "Tom built a treehouse with his father. They worked all weekend. On Sunday it was finished.",
        "Tom climbed up and waved proudly at his mother.",
    ),
]


@pytest.fixture
def lexical(sentence_encoder: SentenceEncoder) -> LexicalParaphraser:
    return LexicalParaphraser(sentence_encoder, min_similarity=0.85)


def test_lexical_paraphrases_are_distinct_similar_and_changed(lexical: LexicalParaphraser) -> None:
    for prompt, completion in SOURCES:
        rewrites = lexical.paraphrase(prompt, completion, k=3, seed=0)
        assert len(rewrites) == 3
        assert len(set(rewrites)) == 3
        for rewrite in rewrites:
            assert rewrite != completion
            assert 0 < normalized_edit_distance(rewrite, completion) < 0.5
            assert lexical.encoder.similarity(rewrite, completion) >= 0.85
            assert len(rewrite.split()) == len(completion.split())  # word swaps, nothing added or dropped
            assert rewrite[0].isupper()  # a capitalised first word stays capitalised
        assert lexical.paraphrase(prompt, completion, k=3, seed=0) == rewrites
    assert lexical.paraphrase(*SOURCES[0], k=3, seed=1) != lexical.paraphrase(*SOURCES[0], k=3, seed=0)
    assert lexical.paraphrase("", "a b", k=3, seed=0) == []  # nothing worth swapping


def test_lexical_neighbours_skip_inflections_of_the_same_word(lexical: LexicalParaphraser) -> None:
    neighbours = lexical.word_neighbours("smiled")
    assert neighbours and "grinned" in neighbours
    assert not {"smiles", "smiling", "smile"} & set(neighbours)
    assert all(word.endswith("ed") for word in neighbours)


def _word_level_tokenizer(directory: Path, *, token_types: bool = False) -> PreTrainedTokenizerFast:
    words = ["[UNK]", "[PAD]", "[EOS]", *toy.VOCAB[7:]]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    names = (
        ["input_ids", "token_type_ids", "attention_mask"] if token_types else ["input_ids", "attention_mask"]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        eos_token="[EOS]",
        model_input_names=names,
    )
    tokenizer.save_pretrained(directory)
    return tokenizer


def _tiny_gpt2(directory: Path) -> Path:
    tokenizer = _word_level_tokenizer(directory)
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=512,
        n_embd=32,
        n_layer=2,
        n_head=2,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(directory)
    return directory


def _tiny_t5(directory: Path, *, token_types: bool = False) -> Path:
    tokenizer = _word_level_tokenizer(directory, token_types=token_types)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_heads=2,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    T5ForConditionalGeneration(config).save_pretrained(directory)
    return directory


def _tiny_t5_bert_style_tokenizer(directory: Path) -> Path:
    """A seq2seq model whose tokenizer also emits token_type_ids (as BERT-style ones do)."""
    return _tiny_t5(directory, token_types=True)


@pytest.mark.parametrize(
    "builder",
    [_tiny_gpt2, _tiny_t5, _tiny_t5_bert_style_tokenizer],
    ids=["causal", "seq2seq", "seq2seq-token-types"],
)
def test_hf_paraphraser_samples_reproducibly_from_a_local_model_directory(builder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = builder(tmp_path)
    paraphraser = build_paraphraser("hf", model_path=str(directory), device="cpu", max_new_tokens=6)
    assert isinstance(paraphraser, HFParaphraser)
    assert paraphraser.seq2seq == (builder is not _tiny_gpt2)
    completion = "anna hurt the dog ."
    before = torch.get_rng_state()
    rewrites = paraphraser.paraphrase(STORY, completion, k=3, seed=7)
    assert torch.equal(torch.get_rng_state(), before)  # the caller's RNG is not consumed
    assert 1 <= len(rewrites) <= 3
    assert len(set(rewrites)) == len(rewrites) and completion not in rewrites
    for rewrite in rewrites:
        words = rewrite.split()
        assert 1 <= len(words) <= 6  # only the generated continuation, never the echoed prompt
        assert set(words) <= set(toy.VOCAB)
    assert paraphraser.paraphrase(STORY, completion, k=3, seed=7) == rewrites
    assert paraphraser.paraphrase(STORY, completion, k=3, seed=8) != rewrites


class _ChatServer(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        choices = [
            {"index": 0, "message": {"role": "assistant", "content": "Anna injured the dog.\nExtra line"}},
            {"index": 1, "message": {"role": "assistant", "content": '"Anna injured the dog."'}},
            {"index": 2, "message": {"role": "assistant", "content": "anna hurt the dog ."}},
            {"index": 3, "message": {"role": "assistant", "content": "Rewrite: The dog was hurt by Anna."}},
        ]
        payload = json.dumps({"object": "chat.completion", "choices": choices}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def chat_server() -> Iterator[str]:
    _ChatServer.requests, _ChatServer.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_paraphraser_posts_a_chat_completion_and_cleans_the_choices(chat_server: str) -> None:
    paraphraser = build_paraphraser(
        "http", base_url=chat_server, model="para-7b", api_key="sk-test", timeout=5
    )
    assert isinstance(paraphraser, Paraphraser)
    rewrites = paraphraser.paraphrase(STORY, "anna hurt the dog .", k=4, seed=3)
    # Duplicates, the unchanged original, quotes, extra lines and a "Rewrite:" prefix are cleaned away.
    assert rewrites == ["Anna injured the dog.", "The dog was hurt by Anna."]
    (request,) = _ChatServer.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    body = request["body"]
    assert (body["model"], body["n"], body["seed"]) == ("para-7b", 4, 3)
    assert body["messages"][-1] == {"role": "user", "content": few_shot_prompt(STORY, "anna hurt the dog .")}
    assert body["messages"][-1]["content"].endswith(
        f"Story: {STORY}\nSentence: anna hurt the dog .\nRewrite:"
    )

    HTTPParaphraser(f"{chat_server}/v1/", model="m").paraphrase(STORY, "x", k=1, seed=0)
    assert _ChatServer.requests[-1]["path"] == "/v1/chat/completions"
    assert _ChatServer.requests[-1]["auth"] is None


def test_http_errors_become_paraphraser_errors(chat_server: str) -> None:
    _ChatServer.status = 503
    with pytest.raises(ParaphraserError, match="returned HTTP 503"):
        HTTPParaphraser(chat_server, model="m").paraphrase(STORY, "x", k=1, seed=0)
    with pytest.raises(ParaphraserError, match="unreachable"):
        HTTPParaphraser("http://127.0.0.1:9", model="m", timeout=2).paraphrase(STORY, "x", k=1, seed=0)


def test_unknown_backends_are_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="expected one of hf, http, lexical"):
        build_paraphraser("gpt")
