"""The claim benchmark's child processes: fill the scratch database, and drain a
queue three ways. Top-level imports are the standard library only: each child is
spawned with the scratch database's environment and sets Django up itself."""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

BENCH_KIND = "bench"  # no handler registered: the engine's neutral kind accepts any payload
MODES = ("raw_sql", "service", "api")


def _child_environment(database_url: str) -> dict[str, str]:
    """Production-like settings on the scratch database (DEBUG off: no query log)."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "gauntlet.settings.base",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "GAUNTLET_CELERY_EAGER": "true",
        "GAUNTLET_LOG_LEVEL": "WARNING",
    }


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables while child processes start: a spawned child reads its
    settings from the environment it inherits, before any code of ours runs in it."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _django_for(database_url: str) -> None:
    import django
    from django.conf import settings

    django.setup()
    if settings.DATABASES["default"]["NAME"] != urlsplit(database_url).path.lstrip("/"):
        raise RuntimeError("a bench client is not on the scratch database")


def bench_contractors(count: int, *, email_prefix: str, hourly_rate: Any = None) -> list[Any]:
    """``count`` qualified contractors who sign in by token only (no password), their tokens
    returned in creation order; ``hourly_rate`` (a Decimal) on their profiles when given. One
    helper for every benchmark that fills a scratch database with people."""
    from rest_framework.authtoken.models import Token

    from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User

    unusable = "!"  # Django's marker for "no password": bench contractors log in by token only
    users = User.objects.bulk_create(
        (
            User(email=f"{email_prefix}{n}@example.com", role=Role.CONTRACTOR, password=unusable)
            for n in range(count)
        ),
        batch_size=5000,
    )
    rate = {} if hourly_rate is None else {"hourly_rate": hourly_rate}
    ContractorProfile.objects.bulk_create(
        (ContractorProfile(user=user, qualification=Qualification.QUALIFIED, **rate) for user in users),
        batch_size=5000,
    )
    return list(
        Token.objects.bulk_create(
            (Token(user=user, key=Token.generate_key()) for user in users), batch_size=5000
        )
    )


def analyze_filled() -> list[str]:
    """``ANALYZE`` the tables a fill wrote (those with a row), and not the empty ones the run will
    fill: statistics taken of an empty table say it stays empty, and plans cached on them (prepared
    statements, PL/pgSQL) scan it whole on every call while it grows to thousands of rows, until
    autovacuum's next ANALYZE replans them; on a server with autovacuum off (this machine's) that
    was never: a bench cycle run read 38.7M assignment rows by sequential scan in its first 75 s. A
    deployment's tables are big and analysed, or new and never analysed (planned by their size).
    The names analysed, sorted."""
    from django.db import connection

    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor, include_views=False))
        filled = []
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                filled.append(table)
        if filled:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in filled))
    return filled


def bench_examples(count: int, *, batch: str, story: Any) -> list[Any]:
    """``count`` imported examples, ``story(n)`` giving the n-th ``(prompt, completion)``."""
    from labeling.models import Example, Source, content_hash

    return list(
        Example.objects.bulk_create(
            (
                Example(
                    prompt=p, completion=c, source=Source.IMPORT, batch=batch, content_hash=content_hash(p, c)
                )
                for p, c in map(story, range(count))
            ),
            batch_size=5000,
        )
    )


def _fill(database_url: str, items: int, contractors: int, results: Any) -> None:
    """Contractors with tokens, and one open queue of ``items`` items per mode."""
    _django_for(database_url)

    from gauntlet.workqueue.models import Queue, QueueState, WorkItem

    tokens = bench_contractors(contractors, email_prefix="bench")
    queues = {}
    for mode in MODES:
        queue = Queue.objects.create(
            name=f"bench {mode}", kind=BENCH_KIND, state=QueueState.OPEN, overlap=1, lease_seconds=600
        )
        WorkItem.objects.bulk_create(
            (WorkItem(queue=queue, payload={"n": n}, judgments_wanted=1) for n in range(items)),
            batch_size=5000,
        )
        queues[mode] = queue.pk
    analyze_filled()
    results.put({"contractors": [(t.user_id, t.key) for t in tokens], "queues": queues})


_RAW_CLAIM = """
SELECT i.id FROM workqueue_workitem i
WHERE i.queue_id = %(queue)s AND i.is_gold = false AND i.state = 'open'
  AND i.judgments_received < (i.judgments_wanted - i.active_leases)
  AND (i.author_id IS NULL OR i.author_id <> %(me)s)
  AND NOT EXISTS (SELECT 1 FROM workqueue_assignment a WHERE a.item_id = i.id AND a.contractor_id = %(me)s
                  AND a.status IN ('leased', 'submitted', 'approved', 'rejected'))
ORDER BY i.priority DESC, i.judgments_received DESC, i.id
LIMIT 1 FOR UPDATE OF i SKIP LOCKED
"""
_RAW_LEASE = "UPDATE workqueue_workitem SET active_leases = active_leases + 1 WHERE id = %(item)s"
_RAW_INSERT = """
INSERT INTO workqueue_assignment (item_id, queue_id, contractor_id, status, claimed_at, lease_expires_at,
                                  active_seconds, review_note)
VALUES (%(item)s, %(queue)s, %(me)s, 'leased', now(), now() + interval '600 seconds', 0, '') RETURNING id
"""


def _drain_raw(
    database_url: str, queue_id: int, contractors: list[tuple[int, str]], start: Any, results: Any
) -> None:
    import psycopg

    conn = psycopg.connect(database_url)
    done = 0
    start.wait()
    began = time.perf_counter()
    for contractor_id, _ in contractors:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(_RAW_CLAIM, {"queue": queue_id, "me": contractor_id})
            row = cur.fetchone()
            if row is None:
                continue
            cur.execute(_RAW_LEASE, {"item": row[0]})
            cur.execute(_RAW_INSERT, {"item": row[0], "queue": queue_id, "me": contractor_id})
        done += 1
    results.put({"claims": done, "began": began, "ended": time.perf_counter(), "latencies": []})
    conn.close()


def _drain_service(
    database_url: str, queue_id: int, contractors: list[tuple[int, str]], start: Any, results: Any
) -> None:
    _django_for(database_url)
    from gauntlet.accounts.models import User
    from gauntlet.workqueue.models import Queue
    from gauntlet.workqueue.services import assignment_claim

    queue = Queue.objects.get(pk=queue_id)
    users = User.objects.in_bulk([contractor_id for contractor_id, _ in contractors])
    done = 0
    start.wait()
    began = time.perf_counter()
    for contractor_id, _ in contractors:
        if assignment_claim(queue=queue, contractor=users[contractor_id]) is not None:
            done += 1
    results.put({"claims": done, "began": began, "ended": time.perf_counter(), "latencies": []})


def _drain_api(
    port: int, queue_id: int, contractors: list[tuple[int, str]], start: Any, results: Any
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    path = f"/api/v1/queues/{queue_id}/claim/"
    conn.request("GET", "/api/v1/me/", headers={"Authorization": f"Token {contractors[0][1]}"})
    conn.getresponse().read()  # warm: connection, auth, URL resolver
    claim_ms: list[float] = []
    done = 0
    start.wait()
    began = time.perf_counter()
    for _, token in contractors:
        t0 = time.perf_counter()
        conn.request("POST", path, headers={"Authorization": f"Token {token}", "Content-Length": "0"})
        response = conn.getresponse()
        body = json.loads(response.read())
        claim_ms.append((time.perf_counter() - t0) * 1000)
        if response.status != 200:
            raise RuntimeError(f"claim answered {response.status}: {body}")
        if body["assignment"] is not None:
            done += 1
    results.put({"claims": done, "began": began, "ended": time.perf_counter(), "latencies": claim_ms})
    conn.close()
