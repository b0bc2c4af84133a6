"""`make demo` on a fresh clone: the embedded default (SQLite, eager Celery, local files)
starts from nothing — no var/ folder, no database URL, no Redis."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _manage(*args: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GAUNTLET_", "DATABASE_URL", "REDIS_URL"))
    }
    env["GAUNTLET_VAR_DIR"] = str(var_dir)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_embedded_default_migrates_and_sets_up_demo_accounts_from_an_empty_folder(tmp_path: Path) -> None:
    var_dir = tmp_path / "not-yet" / "var"
    migrated = _manage("migrate", "--noinput", "-v", "0", var_dir=var_dir)
    assert migrated.returncode == 0, migrated.stderr
    assert (var_dir / "gauntlet.sqlite3").exists()
    demo = _manage("demo_setup", "--no-data", var_dir=var_dir)
    assert demo.returncode == 0, demo.stderr
    assert "manager@gauntlet.local" in demo.stdout
    assert "password: demo-manager-password" in demo.stdout
