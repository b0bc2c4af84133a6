"""The paraphraser is an HTTP peer (issue 12 item 13): its URL must be on the configured allow-list
(a manager's URL off it is a 400), the API key and the stories go only there (not where it
redirects), and a batch that runs past its Celery time limit ends as failed, saying so.

The peers are real HTTP servers on loopback; the time limit is a real worker's."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from attacks.models import ParaphraseBatch
from attacks.services.paraphrase import paraphrase_batch_create, paraphrase_batch_run
from tests.attacks.test_paraphrase import _loose, sources  # noqa: F401 - the fixture

__all__ = ["sources"]


class _Peer(BaseHTTPRequestHandler):
    """Answers chat completions, or (``redirect_to``) sends the client on to another server, or
    (``stall``) keeps it waiting until the test ends."""

    received: list[dict[str, Any]]
    redirect_to: str | None = None
    stall: threading.Event | None = None

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.received.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if self.redirect_to:
            self.send_response(307)
            self.send_header("Location", self.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.stall is not None:
            self.stall.wait(timeout=120)
            return
        choices = [{"index": 0, "message": {"role": "assistant", "content": "anna harmed the dog ."}}]
        payload = json.dumps({"choices": choices}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def _serve(**behaviour: Any) -> tuple[ThreadingHTTPServer, type[_Peer]]:
    handler = type("Peer", (_Peer,), {"received": [], **behaviour})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def peers() -> Iterator[list[ThreadingHTTPServer]]:
    started: list[ThreadingHTTPServer] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def test_a_paraphraser_url_off_the_allow_list_is_a_400(
    manager_client,
    tiny_version,
    verification_queue,
    sources,
    settings,  # noqa: F811
) -> None:
    settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS = ["gen.internal"]
    body = {
        "sources": "examples",
        "example_ids": [sources[0].pk],
        "k": 1,
        "verification_queue": verification_queue.pk,
    }
    for url in ("http://attacker.example/v1", "http://gen.internal.attacker.example/v1"):
        response = manager_client.post(
            "/api/v1/paraphrase-batches/", {**body, "paraphraser": f"http:{url}"}, format="json"
        )
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == "paraphraser_not_allowed"
        assert "GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS" in error["message"]
    assert not ParaphraseBatch.objects.exists()
    allowed = manager_client.post(
        "/api/v1/paraphrase-batches/",
        {**body, "paraphraser": "http:https://gen.internal/v1#m"},
        format="json",
    )
    assert allowed.status_code == 201, allowed.content


def test_the_key_and_the_stories_go_only_to_the_allowed_peer_never_where_it_redirects(
    tiny_version,
    verification_queue,
    sources,
    settings,
    peers,  # noqa: F811
) -> None:
    _loose(tiny_version)
    elsewhere, elsewhere_log = _serve()
    peer, peer_log = _serve(redirect_to=_url(elsewhere))
    peers.extend([elsewhere, peer])
    settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS = [f"127.0.0.1:{peer.server_address[1]}"]
    settings.GAUNTLET_PARAPHRASE_HTTP_API_KEY = "secret-key"
    batch = paraphrase_batch_create(
        created_by=None,
        verification_queue=verification_queue,
        selection="examples",
        example_ids=[sources[0].pk],
        k=1,
        paraphraser=f"http:{_url(peer)}/v1",
        enqueue=False,
    )
    with pytest.raises(Exception, match="307"):
        paraphrase_batch_run(batch=batch)
    assert [r["auth"] for r in peer_log.received] == ["Bearer secret-key"]
    assert elsewhere_log.received == []  # neither the key nor the story left for another server
    batch.refresh_from_db()
    assert batch.status == "failed" and "307" in batch.error


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    """Here and in the worker process (it reads its settings from the environment when it starts)."""
    monkeypatch.setenv("GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS", "127.0.0.1")
    settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]


def test_a_batch_that_runs_past_its_time_limit_ends_as_failed_and_says_so(
    loopback_allowed,
    celery_worker_process,
    tiny_version,
    verification_queue,
    sources,
    peers,  # noqa: F811
) -> None:
    from attacks.tasks import run_paraphrase_batch

    stall = threading.Event()
    slow, slow_log = _serve(stall=stall)
    peers.append(slow)
    try:
        batch = paraphrase_batch_create(
            created_by=None,
            verification_queue=verification_queue,
            selection="examples",
            example_ids=[s.pk for s in sources[:2]],
            k=1,
            paraphraser=f"http:{_url(slow)}/v1",
            enqueue=False,
        )
        result = run_paraphrase_batch.apply_async(args=[batch.pk], soft_time_limit=3, time_limit=60)
        result.get(timeout=90, propagate=False)
    finally:
        stall.set()
    assert len(slow_log.received) == 1  # it was waiting on the first source when the limit struck
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "time limit" in batch.error and "0 of 2 sources" in batch.error, batch.error
    assert batch.finished_at is not None
