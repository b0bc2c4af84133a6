"""The compose web healthcheck passes against a real gunicorn configured from deploy/env.example
(issue 12 item 13): production settings refuse a Host they do not know, so the probe must name one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from gauntlet.common import processes

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _example_env() -> dict[str, str]:
    values = {}
    for line in (REPO / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


@pytest.mark.slow
def test_the_web_healthcheck_passes_with_the_example_env() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    probe = compose["services"]["web"]["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    db = connection.settings_dict
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "GAUNTLET_", "DATABASE", "REDIS"))
        },
        **_example_env(),
        "DJANGO_SETTINGS_MODULE": "gauntlet.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "GAUNTLET_STORAGE": "local",  # the example's MinIO is not here; storage is probed all the same
        "GAUNTLET_VAR_DIR": str(REPO / "var" / "healthcheck-test"),
    }
    with processes.gunicorn(env=env, timeout=300) as port:
        code = probe[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
    assert result.returncode == 0, result.stderr[-2000:]
