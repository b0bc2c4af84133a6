"""crowd-kit (pandas, scipy) loads in a Celery worker before it forks, never in a web process: a web
process resolves every tasks module on its first task send, and that must not cost it crowd-kit's
seconds of imports and memory."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import django
django.setup()
from gauntlet.common.enqueue import task_named
task_named("labeling.tasks.refit_queue_consensus")  # what a web process does on its first send
print("web", "crowdkit" in sys.modules)
from celery.signals import worker_init
worker_init.send(sender=None)  # a worker's main process, before it forks its children
print("worker", "crowdkit" in sys.modules)
"""


def test_crowdkit_is_loaded_by_a_worker_before_it_forks_and_not_by_a_web_process() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "gauntlet.settings.test"},
    ).stdout.split("\n")
    assert "web False" in out and "worker True" in out, out
