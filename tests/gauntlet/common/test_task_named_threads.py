"""A fresh web process's first requests, on several threads at once, all find their tasks.

gunicorn's gthread workers serve a process's first requests concurrently; each live request
looks its task up by name (``task_named``), which imports every app's tasks module on first
use. Found by ``bench score --under-load``: the second and later threads, arriving while the
first was importing, got ``NotRegistered`` (a 500) for ``ml_worker.tasks.live_score``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCRIPT = """
import threading
import django
django.setup()
from gauntlet.common.enqueue import task_named
names = ["ml_worker.tasks.live_score", "attacks.tasks.run_paraphrase_batch", "labeling.tasks.import_job_run",
         "ml_worker.tasks.live_saliency"] * 2
barrier = threading.Barrier(len(names))
errors = []
def look_up(name):
    barrier.wait()
    try:
        task_named(name)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=look_up, args=(name,)) for name in names]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("errors:", errors)
"""


def test_concurrent_first_lookups_in_a_fresh_process_all_find_their_task() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "gauntlet.settings.test"),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO / "platform",
        env={**env, "PYTHONPATH": f"{REPO / 'platform'}{os.pathsep}{REPO}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "errors: []"
