"""The ``ui`` benchmark: how fast the contractor's pages feel, measured in Debian's Chromium.

One run on a scratch PostgreSQL database (created, migrated, dropped), served by gunicorn
on loopback with Celery eager (live scores computed in the web process, as on the embedded
default), the bundled MiniLM as the attacked classifier:

- ``next_task_p95_ms``: from the submit key (Enter) to the next task on screen (the frame
  after the swap), over ``tasks`` tasks of an injury-label queue that lets a contractor hold
  two tasks (the next one is prefetched while they read). Target ≤ 100.
- ``score_visible_p95_ms``: from the last keystroke of an edit to the updated score on
  screen, over ``edits`` edits in a tool-assisted rewrite session, including the 150 ms
  debounce. Target ≤ 250.
- baselines from the same run: ``bare_roundtrip_p95_ms`` (key → fetch of /healthz → text on
  screen: the floor of any server round trip) and ``bare_forward_p95_ms`` (one MiniLM forward
  of the same text in this process, no HTTP, no database) with ``score_floor_ms`` = debounce
  + bare forward.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEBOUNCE_MS = 150  # attacks/_tool.html: hx-trigger="input delay:150ms"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTRUMENT = """
window.__keyAt = 0; window.__marks = [];
document.addEventListener("keydown", () => { window.__keyAt = performance.now(); }, true);
document.addEventListener("task:shown", () => requestAnimationFrame(() => window.__marks.push(performance.now() - window.__keyAt)));
document.addEventListener("htmx:afterSettle", (e) => {
  if (e.detail.target.id === "rewrite-state") requestAnimationFrame(() => window.__marks.push(performance.now() - window.__keyAt));
});
"""


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)


def _p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _scratch_url(name: str) -> str:
    from django.db import connection

    db = connection.settings_dict
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    server = f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/postgres"
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def _fill(model_dir: Path, tasks: int) -> dict[str, Any]:
    """Rows on the scratch database: a contractor, a label queue, a rewrite queue and its seed."""
    from attacks import scoring
    from gauntlet.accounts.services import account_create
    from gauntlet.workqueue.models import Queue, QueueState
    from gauntlet.workqueue.services import items_add
    from labeling.models import Example, InjuryLabel
    from ml_worker.models import ClassifierVersion, VersionStatus

    user = account_create(
        email="bench@example.com",
        password="bench-passphrase-1",  # noqa: S106 - a scratch database, dropped after the run
        role="contractor",
        validate=False,
    )
    labels = Queue.objects.create(
        name="bench labels",
        kind="injury_label",
        state=QueueState.OPEN,
        overlap=1,
        max_open_assignments=2,
        pay_per_task=Decimal("0.05"),
    )
    examples = []
    for n in range(tasks + 2):
        example = Example(
            prompt=f"Story {n}: a girl walked her dog. It was late. The road was wet.",
            completion=f"She slipped and hurt her knee ({n}).",
            batch="bench",
        )
        example.save()
        examples.append(example)
    items_add(queue=labels, items=[{"payload": {"example_id": e.pk}} for e in examples])
    version = ClassifierVersion.objects.create(
        name="bench-minilm",
        artifact_uri=str(model_dir),
        base_model="all-MiniLM-L6-v2",
        status=VersionStatus.ACTIVE,
        threshold=0.5,
    )
    verify = Queue.objects.create(name="bench verify", kind="verification", state=QueueState.OPEN, overlap=2)
    rewrite = Queue.objects.create(
        name="bench rewrite",
        kind="rewrite",
        state=QueueState.OPEN,
        overlap=1,
        kind_settings={"condition": "tool_assisted", "verification_queue_id": verify.pk},
    )
    seed = Example(
        prompt="Sam and his brother played in the yard. The sun was hot. Mother called.",
        completion="Sam shoved his brother into the fence and broke his arm.",
        batch="bench",
        imported_label=InjuryLabel.INJURIOUS,
    )
    seed.save()
    items_add(queue=rewrite, items=[{"payload": {"example_id": seed.pk}}])
    forwards = []
    for n in range(20):
        started = time.perf_counter()
        scoring.texts_score(version=version, pairs=[(seed.prompt, seed.completion + " x" * (n % 3))])
        forwards.append((time.perf_counter() - started) * 1000)
    return {"user": user, "labels": labels, "rewrite": rewrite, "bare_forward_ms": forwards[5:]}


def _session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return str(session.session_key)


def _drive(port: int, cookie: str, rows: dict[str, Any], tasks: int, edits: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": cookie, "domain": "127.0.0.1", "path": "/"}])
        context.add_init_script(INSTRUMENT)
        page = context.new_page()
        page.set_default_timeout(60_000)

        # The bare round trip: a key, a fetch of /healthz, its text on screen.
        page.goto(f"{base}/work/")
        bare = []
        for _ in range(30):
            bare.append(
                page.evaluate(
                    """async () => { const t = performance.now(); const r = await fetch('/healthz');
                   document.body.dataset.h = await r.text();
                   await new Promise(requestAnimationFrame); return performance.now() - t; }"""
                )
            )

        page.goto(f"{base}/work/queues/{rows['labels'].pk}/")
        for n in range(tasks):
            page.wait_for_function("document.getElementById('task-slot').dataset.prefetched")
            page.keyboard.press("1")
            page.keyboard.press("Enter")
            page.wait_for_function(f"window.__marks.length >= {n + 1}")
        next_task = page.evaluate("window.__marks")

        page.goto(f"{base}/work/rewrite/queues/{rows['rewrite'].pk}/")
        completion = page.locator("#rewrite-completion")
        completion.click()
        page.keyboard.press("End")
        idle = "!document.querySelector('.htmx-request')"
        page.keyboard.type(" ")  # warm-up edit: the web process loads MiniLM once
        page.wait_for_function("window.__marks.length >= 1")
        page.wait_for_function(idle)
        page.wait_for_timeout(300)
        page.evaluate("window.__marks = []")
        for n in range(edits):
            page.keyboard.type("a" if n % 2 == 0 else "b") if n % 3 else page.keyboard.press("Backspace")
            page.wait_for_function(f"window.__marks.length >= {n + 1}")
            page.wait_for_timeout(250)  # let the saliency request the swap triggered finish
            page.wait_for_function(idle)
        score = page.evaluate("window.__marks")
        browser.close()
    return {"bare_roundtrip_ms": bare[5:], "next_task_ms": next_task, "score_ms": score}


def run_ui_bench(*, tasks: int, edits: int) -> dict[str, Any]:
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from gauntlet.common.processes import gunicorn
    from ml_worker import runtime
    from ml_worker.core.classifier import InjuryClassifier
    from ml_worker.services.registry import classifier_base_path

    if connection.vendor != "postgresql":
        raise RuntimeError("bench ui runs on PostgreSQL (make bench uses the test settings)")
    name = f"gauntlet_uibench_{os.getpid()}"
    url = _scratch_url(name)
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    original = connection.settings_dict["NAME"]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        connection.close()
        settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = name
        call_command("migrate", verbosity=0, interactive=False)
        with tempfile.TemporaryDirectory(prefix="uibench-minilm-") as model_dir:
            InjuryClassifier.from_backbone(classifier_base_path(), device="cpu", seed=0).save(model_dir)
            runtime.reset()
            rows = _fill(Path(model_dir), tasks)
            cookie = _session_cookie(rows["user"])
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "gauntlet.settings.test",
                "GAUNTLET_TEST_DATABASE_URL": url,
                "GAUNTLET_CELERY_EAGER": "true",
                "GAUNTLET_LOG_LEVEL": "WARNING",  # eager task results would be logged in full
            }
            with gunicorn(env=env, workers=1, threads=4) as port:
                measured = _drive(port, cookie, rows, tasks, edits)
    finally:
        connection.close()
        settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = original
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    bare_forward = _p95(rows["bare_forward_ms"]) or 0.0
    next_p95, score_p95 = _p95(measured["next_task_ms"]), _p95(measured["score_ms"])
    return {
        "tasks": len(measured["next_task_ms"]),
        "edits": len(measured["score_ms"]),
        "next_task_p50_ms": _p50(measured["next_task_ms"]),
        "next_task_p95_ms": next_p95,
        "next_task_target_ms": 100,
        "bare_roundtrip_p95_ms": _p95(measured["bare_roundtrip_ms"]),
        "score_visible_p50_ms": _p50(measured["score_ms"]),
        "score_visible_p95_ms": score_p95,
        "score_visible_target_ms": 250,
        "debounce_ms": DEBOUNCE_MS,
        "bare_forward_p95_ms": bare_forward,
        "score_floor_ms": round(DEBOUNCE_MS + bare_forward, 1),
        "score_over_floor": round(score_p95 / (DEBOUNCE_MS + bare_forward), 2) if score_p95 else None,
    }
