"""requirements.lock pins every dependency pyproject.toml names, and never a CUDA package."""

from __future__ import annotations

import re
import tomllib

from tests.architecture.imports import REPO

NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_normal(name)] = version.strip()
    return pins


def test_every_dependency_is_pinned_to_one_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {_normal(match.group(1)) for spec in wanted if (match := NAME.match(spec))}
    pins = _locked()
    missing = sorted(names - set(pins) - {"torch"})
    assert not missing, f"not in requirements.lock (run `make lock` and commit it): {missing}"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version) for version in pins.values())


def test_the_lock_pulls_no_cuda_packages_and_leaves_torch_to_its_pinned_install() -> None:
    pins = _locked()
    assert "torch" not in pins
    assert not [name for name in pins if name.startswith("nvidia-") or name == "triton"]
