"""The load benchmark's child processes: fill the scratch database, simulate contractors, approve.

Top-level imports are the standard library only: each child is spawned with the scratch
database's environment and sets Django up itself (as the claim and cycle benches' do).
A client process runs its share of the contractors as threads, one keep-alive connection
each: a simulated contractor spends its time waiting on the server or thinking, so 200 of
them fit in a few processes on two cores.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from typing import Any

from gauntlet.workqueue.claim_bench.clients import _django_for, bench_contractors, bench_examples

LABELS = ("injurious", "not_injurious")
KINDS = ("label", "verification", "hourly")
HOURLY_LEASES = 2  # an hourly contractor holds two leases at once and heartbeats both: one clock


def fill(database_url: str, items: int, contractors: int, results: Any) -> None:
    """``items`` examples; a per-task injury-label queue, a verification queue and an hourly
    injury-label queue over them (overlap 2, auto-approved at once); ``contractors`` qualified
    contractors with tokens, dealt round-robin to the three queues."""
    _django_for(database_url)
    from decimal import Decimal

    from django.db import connection

    from gauntlet.workqueue.models import PayMode, Queue, QueueState, WorkItem

    def story(n: int) -> tuple[str, str]:
        return (
            f"Ira walked the dogs at noon. Dog {n} pulled at the lead. The park was busy.",
            f"She threw a stick for dog {n} and they went home.",
        )

    examples = bench_examples(items, batch="load", story=story)
    tokens = bench_contractors(contractors, email_prefix="load", hourly_rate=Decimal("18.00"))
    common = {"state": QueueState.OPEN, "overlap": 2, "lease_seconds": 600, "auto_approve_seconds": 0}
    queues = {
        "label": Queue.objects.create(
            name="load labels", kind="injury_label", pay_per_task=Decimal("0.07"), **common
        ),
        "verification": Queue.objects.create(
            name="load verification",
            kind="verification",
            pay_per_task=Decimal("0.11"),
            kind_settings={"fillers_per_submission": 0},
            **common,
        ),
        "hourly": Queue.objects.create(
            name="load hourly",
            kind="injury_label",
            pay_mode=PayMode.HOURLY,
            max_open_assignments=HOURLY_LEASES,
            **common,
        ),
    }
    for queue in queues.values():
        WorkItem.objects.bulk_create(
            (WorkItem(queue=queue, payload={"example_id": e.pk}, judgments_wanted=2) for e in examples),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results.put(
        {
            "contractors": [(t.user_id, t.key, KINDS[n % len(KINDS)]) for n, t in enumerate(tokens)],
            "queues": {kind: queue.pk for kind, queue in queues.items()},
        }
    )


def approve_all(database_url: str, results: Any) -> None:
    """What the auto-approval task does after the run: approve (and pay) every submitted assignment."""
    _django_for(database_url)
    from gauntlet.payments.services.auto_approve import assignments_auto_approve_due

    approved = 0
    while True:
        done = assignments_auto_approve_due(limit=5000)
        approved += done
        if done == 0:
            break
    results.put({"approved": approved})


class _Contractor:
    """One simulated contractor on one keep-alive connection, recording each call's latency."""

    def __init__(self, port: int, token: str, kind: str, queue_id: int, think_s: float, seed: int) -> None:
        self.port, self.kind, self.queue_id, self.think_s = port, kind, queue_id, think_s
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.rng = random.Random(seed)  # noqa: S311 - a simulated person's choices
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.latencies: dict[str, list[float]] = {"claim": [], "heartbeat": [], "submit": []}
        self.statuses: dict[str, int] = {}
        self.submits = 0

    def call(self, operation: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body or {})
        t0 = time.perf_counter()
        try:
            self.conn.request("POST", path, data, self.headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):  # a dropped connection: counted, then reconnect
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            self.statuses["connection_error"] = self.statuses.get("connection_error", 0) + 1
            return 0, None
        self.latencies[operation].append((time.perf_counter() - t0) * 1000)
        self.statuses[str(response.status)] = self.statuses.get(str(response.status), 0) + 1
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, None

    def think(self) -> None:
        time.sleep(self.think_s * self.rng.uniform(0.5, 1.5))

    def work(self, deadline: float) -> None:
        leases = HOURLY_LEASES if self.kind == "hourly" else 1
        while time.perf_counter() < deadline:
            held = []
            for _ in range(leases):
                status, body = self.call("claim", f"/api/v1/queues/{self.queue_id}/claim/")
                if status == 200 and body and body.get("assignment"):
                    held.append(body["assignment"]["id"])
            if not held:
                self.think()  # nothing to do now (drained, or every item in reach is taken)
                continue
            for _ in range(2):  # the page heartbeats while the person reads
                self.think()
                for assignment_id in held:
                    self.call(
                        "heartbeat", f"/api/v1/assignments/{assignment_id}/heartbeat/", {"active": True}
                    )
            for assignment_id in held:
                label = {"label": self.rng.choice(LABELS)}
                status, _ = self.call("submit", f"/api/v1/assignments/{assignment_id}/submit/", label)
                self.submits += status == 200


def contractors_run(
    port: int,
    share: list[tuple[int, str, str]],
    queues: dict[str, int],
    seconds: float,
    think_s: float,
    start: Any,
    results: Any,
) -> None:
    """Every contractor of ``share`` works its queue for ``seconds`` on its own thread."""
    people = [
        _Contractor(port, token, kind, queues[kind], think_s, seed=contractor_id)
        for contractor_id, token, kind in share
    ]
    start.wait()
    began = time.perf_counter()
    deadline = began + seconds
    threads = [threading.Thread(target=person.work, args=(deadline,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = time.perf_counter()
    statuses: dict[str, int] = {}
    for person in people:
        for status, count in person.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        person.conn.close()
    results.put(
        {
            "claims": sum(len(p.latencies["claim"]) for p in people),
            "submits": sum(p.submits for p in people),
            "began": began,
            "ended": ended,
            "latencies": [],
            "operations": {
                op: [ms for p in people for ms in p.latencies[op]] for op in ("claim", "heartbeat", "submit")
            },
            "statuses": statuses,
        }
    )
