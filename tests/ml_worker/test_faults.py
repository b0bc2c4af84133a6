"""Faults with real processes (issue 12): Redis stops, a gpu worker is SIGKILLed, a database
connection is killed mid-claim.

Each test starts what production runs, on loopback: its own ``redis-server`` on a free port
(never the shared one), gunicorn serving the app on the test database, Celery worker
processes. Models are the tiny random classifier of ``tests/ml_worker/core/toy.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery
from django.db import connection

from gauntlet.common.processes import celery_worker, free_port, gunicorn, stop, wait_for_port
from gauntlet.workqueue.claim_bench.clients import _child_environment
from gauntlet.workqueue.models import Assignment, AssignmentStatus, WorkItem
from labeling.models import Example, Source, content_hash
from ml_worker.models import ClassifierVersion, Score
from tests.factories import new_contractor, new_manager
from tests.gauntlet.api.world import token_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAIR = {"prompt": "tom went to the park . it was a sunny day .", "completion": "anna hurt the dog ."}


@contextmanager
def redis_server(port: int, directory: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A private ``redis-server`` on ``port`` that writes every command to its append-only file in
    ``directory``, so what was queued before it stopped is there when it starts again."""
    directory.mkdir(parents=True, exist_ok=True)
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", ""]
    argv += ["--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        wait_for_port(port, timeout=20, proc=proc)
        yield proc
    finally:
        stop(proc, timeout=10)


def _database_url() -> str:
    return f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"


def _server_env(redis_url: str) -> dict[str, str]:
    """Production settings on the test database and ``redis_url`` (broker, results, cache)."""
    return {
        **os.environ,
        **_child_environment(_database_url()),
        "REDIS_URL": redis_url,
        "GAUNTLET_CELERY_EAGER": "false",
        "GAUNTLET_LIVE_TIMEOUT": "60",  # the first live request loads the model in the worker
    }


def _post(port: int, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=90) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _examples(n: int, batch: str) -> list[int]:
    def pair(i: int) -> tuple[str, str]:
        return (f"ann fed goat {i} . the barn was warm . it was dawn .", f"she petted goat {i} gently .")

    rows = [
        Example(prompt=p, completion=c, source=Source.IMPORT, batch=batch, content_hash=content_hash(p, c))
        for p, c in map(pair, range(n))
    ]
    return [e.pk for e in Example.objects.bulk_create(rows)]


def _label_queue(manager: Any, example_ids: list[int]) -> Any:
    from decimal import Decimal

    from gauntlet.workqueue.models import Queue, QueueState
    from gauntlet.workqueue.services import items_add

    queue = Queue.objects.create(
        name="fault labels", kind="injury_label", state=QueueState.OPEN, overlap=1,
        pay_per_task=Decimal("0.10"), created_by=manager,
    )  # fmt: skip
    items_add(queue=queue, items=[{"payload": {"example_id": pk}} for pk in example_ids])
    return queue


def _worker_log(tmp_path: Path, name: str) -> Path:
    return tmp_path / f"worker-{name}.log"


def test_redis_stopping_refuses_the_live_tools_with_a_503_while_labeling_goes_on_and_queued_work_resumes(
    tiny_version: ClassifierVersion, tmp_path: Path
) -> None:
    manager, contractor = new_manager(), new_contractor()
    queue = _label_queue(manager, _examples(3, "labels"))
    to_score = _examples(5, "queued")
    redis_port, redis_dir = free_port(), tmp_path / "redis"
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = _server_env(redis_url)
    with redis_server(redis_port, redis_dir) as redis, gunicorn(env=env, workers=1, threads=4) as port:
        # Work queued while no gpu worker runs: it waits in Redis (its append-only file).
        Celery(broker=redis_url).send_task(
            "ml_worker.tasks.score_examples", args=[to_score, tiny_version.pk], queue="gpu"
        )
        redis.kill()  # Redis stops mid-run, without a goodbye
        redis.wait()

        for path, extra in (
            ("/api/v1/score/", {}),
            ("/api/v1/saliency/", {}),
            ("/api/v1/substitutions/", {"span": {"field": "completion", "start": 5, "end": 9}, "k": 2}),
        ):
            status, body = _post(port, path, token_for(manager), {**PAIR, **extra})
            assert status == 503, (path, status, body)
            assert body["error"]["code"] == "queue_unavailable" and "Redis" in body["error"]["message"], body

        status, claimed = _post(port, f"/api/v1/queues/{queue.pk}/claim/", token_for(contractor))
        assert status == 200 and claimed["assignment"], claimed
        assignment_id = claimed["assignment"]["id"]
        status, body = _post(
            port, f"/api/v1/assignments/{assignment_id}/heartbeat/", token_for(contractor), {"active": True}
        )
        assert status == 200, body
        status, body = _post(
            port,
            f"/api/v1/assignments/{assignment_id}/submit/",
            token_for(contractor),
            {"label": "injurious"},
        )
        assert status == 200, body
        assert Assignment.objects.get(pk=assignment_id).status == AssignmentStatus.SUBMITTED

        with redis_server(redis_port, redis_dir):  # back, with what was queued
            assert not Score.objects.filter(example_id__in=to_score).exists()
            with celery_worker(
                env={**env, "GAUNTLET_TEST_DATABASE_URL": _database_url()},
                queues="live,gpu",
                name=f"faults-redis-{os.getpid()}",
                log=_worker_log(tmp_path, "redis"),
            ):
                _wait(
                    lambda: Score.objects.filter(example_id__in=to_score).count() == len(to_score),
                    180,
                    "the queued scoring to run once Redis is back",
                )
                status, body = _post(port, "/api/v1/score/", token_for(manager), PAIR)
                assert status == 200, body


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_gpu_worker_sigkilled_during_bulk_scoring_is_redelivered_to_another_with_no_duplicate_scores(
    tiny_version: ClassifierVersion, tmp_path: Path
) -> None:
    examples = _examples(1200, "bulk")
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        **_server_env(redis_url),
        "GAUNTLET_TEST_DATABASE_URL": _database_url(),
        "GAUNTLET_SCORE_BATCH_SIZE": "100",
        # Redis hands an unacknowledged message to another worker after the visibility timeout
        # (production: the longest task plus an hour); short here, so the test sees it.
        "GAUNTLET_BROKER_VISIBILITY_TIMEOUT": "15",
    }
    first_log, second_log = _worker_log(tmp_path, "first"), _worker_log(tmp_path, "second")
    with redis_server(redis_port, tmp_path / "redis"):
        Celery(broker=redis_url).send_task("ml_worker.tasks.rescore_all", args=[tiny_version.pk], queue="gpu")
        with celery_worker(env=env, queues="gpu", name=f"faults-first-{os.getpid()}", log=first_log) as first:
            scored = Score.objects.filter(classifier_version=tiny_version)

            def scoring_one_now() -> bool:
                # a batch scored, and one received and not finished: killed between two tasks, the
                # worker would hold nothing to redeliver (a fresh-clone run once killed it there)
                log = first_log.read_text() if first_log.exists() else ""
                held = set(_task_ids(log, "received")) - set(_task_ids(log, "succeeded"))
                return scored.count() >= 100 and bool(held)

            _wait(scoring_one_now, 240, "the first worker to score a batch and hold the next")
            assert scored.count() < len(examples), "the whole bulk finished before the kill"
            for pid in [*_children(first.pid), first.pid]:  # the machine dies: pool and parent
                os.kill(pid, signal.SIGKILL)
            first.wait()
        lost = scored.count()
        received = set(_task_ids(first_log.read_text(), "received"))
        finished = set(_task_ids(first_log.read_text(), "succeeded"))
        in_flight = received - finished  # what the first worker held when it died
        assert in_flight, first_log.read_text()[-2000:]

        def redelivered_and_all_scored() -> bool:
            # Both: a task killed after its scores committed leaves nothing unscored, yet it must still
            # come back (after the visibility timeout) and finish as a no-op.
            done = set(_task_ids(second_log.read_text(), "succeeded")) if second_log.exists() else set()
            return in_flight <= done and scored.count() == len(examples)

        with celery_worker(env=env, queues="gpu", name=f"faults-second-{os.getpid()}", log=second_log):
            _wait(redelivered_and_all_scored, 300, "every task the first worker held redelivered and done")
    assert lost < len(examples)
    assert in_flight <= set(_task_ids(second_log.read_text(), "succeeded")), "not redelivered"
    assert scored.count() == len(examples) == scored.values("example_id").distinct().count()


def _task_ids(log: str, event: str) -> list[str]:
    ids = []
    for line in log.splitlines():
        if "ml_worker.tasks.score_examples[" in line and event in line:
            ids.append(line.split("ml_worker.tasks.score_examples[", 1)[1].split("]", 1)[0])
    return ids


def test_a_database_connection_killed_during_a_claim_answers_cleanly_and_the_retried_claim_is_consistent(
    tmp_path: Path,
) -> None:
    manager, contractor = new_manager(), new_contractor()
    queue = _label_queue(manager, _examples(4, "claims"))
    token = token_for(contractor)
    redis_port = free_port()
    env = _server_env(f"redis://127.0.0.1:{redis_port}/0")
    with redis_server(redis_port, tmp_path / "redis"), gunicorn(env=env, workers=1, threads=2) as port:
        status, _ = _post(port, "/api/v1/me/", token)  # the worker is up and connected
        with psycopg.connect(_database_url(), autocommit=True) as killer:
            blocker = psycopg.connect(_database_url())
            # Hold the assignment table so the claim blocks inside its transaction, then kill it.
            blocker.execute("LOCK TABLE workqueue_assignment IN EXCLUSIVE MODE")
            answer: dict[str, Any] = {}
            thread = threading.Thread(
                target=lambda: answer.update(
                    zip(
                        ("status", "body"),
                        _post(port, f"/api/v1/queues/{queue.pk}/claim/", token),
                        strict=True,
                    )
                )
            )
            thread.start()

            def claim_waiting() -> bool:
                rows = killer.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                ).fetchall()
                answer["pids"] = [r[0] for r in rows]
                return bool(rows)

            _wait(claim_waiting, 60, "the claim to wait on the lock")
            for pid in answer["pids"]:
                killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
            thread.join(timeout=60)
            blocker.rollback()
            blocker.close()
        assert not thread.is_alive(), "the claim hung"
        assert answer["status"] in (500, 503), answer
        assert set(answer["body"]) == {"error"} and answer["body"]["error"]["message"], answer

        status, body = _post(port, f"/api/v1/queues/{queue.pk}/claim/", token)
        assert status == 200 and body["assignment"], body
        status, again = _post(port, f"/api/v1/queues/{queue.pk}/claim/", token)
        assert status == 200 and again["assignment"]["id"] == body["assignment"]["id"], again
    leases = Assignment.objects.filter(contractor=contractor, status=AssignmentStatus.LEASED)
    assert leases.count() == 1
    assert sum(WorkItem.objects.filter(queue=queue).values_list("active_leases", flat=True)) == 1
