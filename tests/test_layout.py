"""platform/ is a source root, never a package: the stdlib module must win."""

import importlib
import platform
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_platform_is_the_standard_library_module() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib
    assert callable(platform.python_version)


def test_platform_folder_has_no_init() -> None:
    assert not (REPO / "platform" / "__init__.py").exists()
    assert (REPO / "platform" / "gauntlet" / "__init__.py").exists()


def test_heavy_dependencies_import_next_to_the_source_root() -> None:
    assert str(REPO / "platform") in sys.path
    for name in ("uuid", "django", "celery", "boto3", "torch", "gauntlet"):
        importlib.import_module(name)
    assert Path(platform.__file__).resolve().parent == Path(sysconfig.get_paths()["stdlib"]).resolve()
