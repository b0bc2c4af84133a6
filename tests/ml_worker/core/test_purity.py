"""The ML core is a library: importing it must not pull in Django or anything of Gauntlet."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import ml_worker.core

CORE_DIR = Path(ml_worker.core.__file__).parent
CORE_FILES = sorted(CORE_DIR.rglob("*.py"))
CORE_MODULES = sorted(
    ".".join(("ml_worker", "core", *path.relative_to(CORE_DIR).with_suffix("").parts)).removesuffix(
        ".__init__"
    )
    for path in CORE_FILES
)
FORBIDDEN_ROOTS = ("django", "rest_framework", "celery", "gauntlet", "labeling", "attacks")


def test_importing_every_core_module_loads_no_django_and_nothing_of_gauntlet() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {CORE_MODULES!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    # A fresh interpreter: this pytest process has Django loaded already.
    completed = subprocess.run(  # noqa: S603 - our own interpreter, fixed script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=CORE_DIR.parent.parent,
    )
    loaded = json.loads(completed.stdout.strip().splitlines()[-1])
    required = {
        "device",
        "classifier",
        "artifacts",
        "training",
        "saliency",
        "substitutions",
        "similarity",
        "paraphrasers",
        "calibration",
        "bare",
    }
    assert {f"ml_worker.core.{name}" for name in required} <= set(CORE_MODULES)
    assert "django" not in loaded
    leaked = [m for m in loaded if m.split(".")[0] in FORBIDDEN_ROOTS]
    assert leaked == []
    gauntlet_side = [m for m in loaded if m.startswith("ml_worker.") and not m.startswith("ml_worker.core")]
    assert gauntlet_side == []


def test_core_source_has_no_import_of_django_or_gauntlet() -> None:
    offenders = []
    for path in CORE_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                if root in FORBIDDEN_ROOTS or (root == "ml_worker" and not name.startswith("ml_worker.core")):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
