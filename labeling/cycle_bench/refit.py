"""``python manage.py bench consensus_refit``: a 1M-label Dawid–Skene refit in the background
while annotators keep submitting.

A scratch database gets a Dawid–Skene queue of ``items`` (200,000) completed items
with ``per_item`` (5) labels each from 50 raters (40 careful at 90%, 5 spammers, 5
label flippers; 10% injurious), written by ``INSERT … SELECT`` (as if they had been
submitted). Then the cycle bench's annotators claim and submit on ordinary overlap-1
queues (one per run) for ``seconds`` twice: once alone (``submit_p99_ms_bare``), once
while a separate process runs the refit task's body
(``labeling.tasks.refit_queue_consensus``: the whole queue's labels read, crowd-kit
Dawid–Skene, the Consensus rows upserted in short batches) — ``refit_seconds`` and
``submit_p99_ms_during_refit``. ``ds_accuracy`` is the refitted consensus against
the hidden truth.
"""

from __future__ import annotations

import time
from typing import Any

from gauntlet.common.processes import gunicorn
from gauntlet.workqueue.claim_bench import (
    _collect,
    _percentile,
    in_child,
    scratch_database,
    wait_until_serving,
)
from labeling.cycle_bench import annotators_run, cycle_figures
from labeling.cycle_bench.clients import _django_for, fill

RATERS = 50


def fill_labelled_queue(database_url: str, items: int, per_item: int, results: Any) -> None:
    """The Dawid–Skene queue, its raters and their labels, all in SQL (seconds, not hours)."""
    _django_for(database_url)
    from django.db import connection

    from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User
    from gauntlet.workqueue.models import Queue, QueueState

    raters = User.objects.bulk_create(
        User(email=f"rater{n}@example.com", role=Role.CONTRACTOR, password="!")  # noqa: S106 - no password
        for n in range(RATERS)
    )
    ContractorProfile.objects.bulk_create(
        ContractorProfile(user=u, qualification=Qualification.QUALIFIED) for u in raters
    )
    queue = Queue.objects.create(
        name="bench dawid-skene",
        kind="injury_label",
        state=QueueState.OPEN,
        overlap=per_item,
        kind_settings={"consensus_method": "dawid_skene"},
    )
    ids = [u.pk for u in raters]
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.17)")
        cur.execute(
            """
            INSERT INTO labeling_example (prompt, completion, source, batch, external_id, content_hash,
                                          imported_label, created_at)
            SELECT 'Ada walked to the lake. She saw heron ' || n || '. The water was cold.',
                   'She waved at heron ' || n || ' and walked home.', 'import', 'ds-bench', '',
                   md5('ds-bench' || n), '', now()
            FROM generate_series(1, %s) n
            """,
            [items],
        )
        cur.execute(
            """
            INSERT INTO workqueue_workitem (payload, key, judgments_wanted, judgments_received, active_leases,
                                            escalations, is_gold, priority, state, created_at, completed_at,
                                            queue_id)
            SELECT jsonb_build_object('example_id', e.id), '', %s, %s, 0, 0, false, 0, 'complete', now(), now(), %s
            FROM labeling_example e WHERE e.batch = 'ds-bench'
            """,
            [per_item, per_item, queue.pk],
        )
        # rater slot s of item i: distinct raters per item (11 * s mod 50 differ for s < 5)
        cur.execute(
            """
            INSERT INTO workqueue_assignment (item_id, queue_id, contractor_id, status, claimed_at,
                                              lease_expires_at, submitted_at, active_seconds, review_note)
            SELECT i.id, i.queue_id, (%s::bigint[])[((i.id * 7 + s * 11) %% 50) + 1], 'submitted',
                   now(), now(), now(), 0, ''
            FROM workqueue_workitem i, generate_series(0, %s - 1) s WHERE i.queue_id = %s
            """,
            [ids, per_item, queue.pk],
        )
        cur.execute(
            """
            INSERT INTO labeling_label (value, note, rejected, created_at, assignment_id, example_id, item_id,
                                        queue_id, rater_id)
            SELECT CASE WHEN said THEN 'injurious' ELSE 'not_injurious' END, '', false, now(), id, example_id,
                   item_id, queue_id, contractor_id
            FROM (
              SELECT a.id, (i.payload ->> 'example_id')::bigint AS example_id, a.item_id, a.queue_id,
                     a.contractor_id,
                     CASE WHEN r < 40 THEN (CASE WHEN random() < 0.9 THEN truth ELSE NOT truth END)
                          WHEN r < 45 THEN random() < 0.5
                          ELSE NOT truth END AS said
              FROM workqueue_assignment a JOIN workqueue_workitem i ON i.id = a.item_id,
                   LATERAL (SELECT array_position(%s::bigint[], a.contractor_id) - 1 AS r,
                                   (i.id %% 10 = 0) AS truth) x
              WHERE a.queue_id = %s
            ) labelled
            """,
            [ids, queue.pk],
        )
        cur.execute("SELECT count(*) FROM labeling_label WHERE queue_id = %s", [queue.pk])
        (labels,) = cur.fetchone()
        cur.execute("ANALYZE")
    results.put({"queue": queue.pk, "labels": int(labels)})


def refit(database_url: str, queue_id: int, delay: float, nice: int | None, go: Any, results: Any) -> None:
    """The background job: what a background worker's process runs for ``refit_queue_consensus``,
    at its niceness (``GAUNTLET_BACKGROUND_WORKER_NICE``; ``nice`` instead when given). Says when it
    is loaded, waits for ``go`` (set as the annotators start), then refits after ``delay``."""
    import os

    _django_for(database_url)
    if nice is None:
        from ml_worker.runtime import batch_priority_apply

        batch_priority_apply({"background"})  # what the worker's child does at worker_process_init
    else:
        os.nice(nice)
    from labeling.apps import crowdkit_preload
    from labeling.tasks import refit_queue_consensus

    crowdkit_preload()  # as a worker does before it forks (worker_init)
    results.put({"ready": True})
    go.wait()
    time.sleep(delay)  # let the annotators get going first
    began = time.perf_counter()
    written = refit_queue_consensus(queue_id)  # the task's body, in this process
    results.put({"written": written, "began": began, "ended": time.perf_counter(), "nice": os.nice(0)})


def _accuracy(database_url: str, queue_id: int) -> float | None:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            """
            SELECT avg(CASE WHEN c.label = CASE WHEN i.id %% 10 = 0 THEN 'injurious' ELSE 'not_injurious' END
                       THEN 1.0 ELSE 0.0 END)
            FROM labeling_consensus c JOIN workqueue_workitem i ON i.id = c.item_id
            WHERE c.queue_id = %s AND c.method = 'dawid_skene'
            """,
            [queue_id],
        ).fetchone()
    return round(float(row[0]), 4) if row and row[0] is not None else None


def run_refit_bench(
    *,
    items: int,
    per_item: int,
    annotators: int,
    seconds: float,
    gunicorn_workers: int,
    gunicorn_threads: int,
    refit_nice: int | None = None,
) -> dict[str, Any]:
    with scratch_database("refit") as (database_url, env, ctx):
        t0 = time.perf_counter()
        labelled = in_child(ctx, fill_labelled_queue, database_url, items, per_item)
        fill_seconds = time.perf_counter() - t0
        # one queue for each run, so the run during the refit never finds the queue emptied by the first
        setup = in_child(ctx, fill, database_url, 20_000 if seconds > 10 else 300, annotators, [1, 1])
        bare_queue, during_queue = setup["queue_list"]
        with gunicorn(env=env, workers=gunicorn_workers, threads=gunicorn_threads) as port:
            wait_until_serving(port)
            bare = annotators_run(ctx, port, bare_queue, setup["tokens"], seconds)
            results, go = ctx.Queue(), ctx.Event()
            job = ctx.Process(
                target=refit, args=(database_url, labelled["queue"], 1.0, refit_nice, go, results)
            )
            job.start()
            results.get(timeout=900)  # Django loaded in the job: it starts with the annotators, not after
            go.set()
            during = annotators_run(ctx, port, during_queue, setup["tokens"], seconds)
            (refitted,) = _collect(results, [job])
        accuracy = _accuracy(database_url, labelled["queue"])
    figures = {**cycle_figures(bare, "_bare"), **cycle_figures(during, "_during_run")}
    # the submits sent while the refit ran, whatever else the run saw
    while_refitting = sorted(
        ms
        for o in during["outcomes"]
        for ms, at in zip(o["submit_latencies"], o["submit_at"], strict=True)
        if refitted["began"] <= at <= refitted["ended"]
    )
    p99_bare, p99_during = figures["submit_p99_ms_bare"], _percentile(while_refitting, 0.99)
    return {
        "labels": labelled["labels"],
        "items": items,
        "refit_seconds": round(refitted["ended"] - refitted["began"], 1),
        "consensus_rows_written": refitted["written"],
        "ds_accuracy": accuracy,
        "submit_p50_ms_bare": figures["submit_p50_ms_bare"],
        "submit_p99_ms_bare": p99_bare,
        "submit_p50_ms_during_refit": _percentile(while_refitting, 0.50),
        "submit_p99_ms_during_refit": p99_during,
        "submits_during_refit": len(while_refitting),
        "submit_p99_ratio": round(p99_during / p99_bare, 2) if p99_bare and p99_during else None,
        **figures,
        "fill_seconds": round(fill_seconds, 1),
        "refit_nice": refitted["nice"],  # the niceness the refit ran at
        "annotators": annotators,
        "seconds": seconds,
        "note": "refit_seconds is the whole job: labels read, Dawid-Skene fitted, rows upserted",
    }
