"""The cycle benchmark's child processes: fill the scratch database, and annotate.

Top-level imports are the standard library only: each child is spawned with the
scratch database's environment and sets Django up itself (as the claim bench's do).
"""

from __future__ import annotations

import http.client
import json
import random
import time
from typing import Any

from gauntlet.workqueue.claim_bench.clients import (
    _django_for,
    analyze_filled,
    bench_contractors,
    bench_examples,
)

LABELS = ("injurious", "not_injurious", "unsure")


def fill(database_url: str, items: int, annotators: int, overlaps: list[int], results: Any) -> None:
    """``items`` examples, one open injury-label queue per entry of ``overlaps`` over all of
    them (``queue_list``, in that order; ``queues`` by overlap), and ``annotators`` qualified
    contractors with tokens."""
    _django_for(database_url)

    from gauntlet.workqueue.models import Queue, QueueState, WorkItem

    def story(n: int) -> tuple[str, str]:
        return (
            f"Mara fed the goats at dawn. Goat {n} ate from her hand. The barn was warm.",
            f"She scratched goat {n} behind the ears and went back inside.",
        )

    examples = bench_examples(items, batch="bench", story=story)
    tokens = bench_contractors(annotators, email_prefix="annotator")
    queues, queue_list = {}, []
    for n, overlap in enumerate(overlaps):
        queue = Queue.objects.create(
            name=f"bench cycle {n} overlap {overlap}",
            kind="injury_label",
            state=QueueState.OPEN,
            overlap=overlap,
            lease_seconds=600,
        )
        WorkItem.objects.bulk_create(
            (WorkItem(queue=queue, payload={"example_id": e.pk}, judgments_wanted=overlap) for e in examples),
            batch_size=5000,
        )
        queues[overlap] = queue.pk
        queue_list.append(queue.pk)
    analyze_filled()
    results.put({"tokens": [t.key for t in tokens], "queues": queues, "queue_list": queue_list})


def annotate(
    port: int, queue_id: int, token: str, seconds: float, seed: int, start: Any, results: Any
) -> None:
    """One annotator: claim, then submit a label, for ``seconds`` (one keep-alive connection)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    conn.request("GET", "/api/v1/me/", headers=headers)
    conn.getresponse().read()  # warm: connection, auth, URL resolver
    rng = random.Random(seed)  # noqa: S311 - which label a simulated annotator picks
    claim_ms: list[float] = []
    submit_ms: list[float] = []
    submit_at: list[float] = []  # when each submit was sent (perf_counter: one clock for all processes)
    cycles = 0
    start.wait()
    began = time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        conn.request("POST", f"/api/v1/queues/{queue_id}/claim/", headers={**headers, "Content-Length": "0"})
        response = conn.getresponse()
        body = json.loads(response.read())
        t1 = time.perf_counter()
        if response.status != 200:
            raise RuntimeError(f"claim answered {response.status}: {body}")
        if body["assignment"] is None:
            break  # the queue ran dry for this annotator
        label = json.dumps({"label": rng.choice(LABELS)})
        conn.request("POST", f"/api/v1/assignments/{body['assignment']['id']}/submit/", label, headers)
        response = conn.getresponse()
        answer = json.loads(response.read())
        t2 = time.perf_counter()
        if response.status != 200:
            raise RuntimeError(f"submit answered {response.status}: {answer}")
        claim_ms.append((t1 - t0) * 1000)
        submit_ms.append((t2 - t1) * 1000)
        submit_at.append(t1)
        cycles += 1
    results.put(
        {
            "claims": cycles,
            "began": began,
            "ended": time.perf_counter(),
            "latencies": claim_ms,
            "submit_latencies": submit_ms,
            "submit_at": submit_at,
        }
    )
    conn.close()
