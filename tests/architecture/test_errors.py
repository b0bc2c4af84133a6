"""Errors without HTTP in them: below the interfaces, code raises :mod:`gauntlet.errors`.

Services, selectors, task kinds, tasks and commands say *what* went wrong (a domain error's
kind and code); only the interfaces (``apis``, ``views``, ``serializers`` and
:mod:`gauntlet.api`, whose handler maps a kind to its status) know HTTP statuses, ``ApiError``
or DRF's exceptions (a field check below them raises ``Invalid.in_fields``, not DRF's
``ValidationError``).
"""

from __future__ import annotations

import ast

from tests.architecture.imports import _imports, product_modules

# Modules allowed to speak HTTP: the API conventions themselves and the interface layers.
INTERFACE_MODULES = {"gauntlet.api"}
# DRF's token authentication backend is part of the API (it raises DRF's AuthenticationFailed).
DRF_EXCEPTION_MODULES = INTERFACE_MODULES | {"gauntlet.accounts.authentication"}


def _is_interface(module: str) -> bool:
    return module in INTERFACE_MODULES or any(
        part in ("apis", "views", "serializers") or part.endswith(("_apis", "_views", "_serializers"))
        for part in module.split(".")
    )


def _http_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in _imports(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "gauntlet.api":
            found += [f"gauntlet.api.{a.name}" for a in node.names if a.name == "ApiError"]
        elif isinstance(node, ast.ImportFrom) and node.module == "rest_framework":
            found += [f"rest_framework.{a.name}" for a in node.names if a.name == "status"]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "rest_framework.status"]
    return found


def _drf_exception_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in _imports(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "rest_framework.exceptions":
            found += [f"rest_framework.exceptions.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "rest_framework":
            found += [f"rest_framework.{a.name}" for a in node.names if a.name == "exceptions"]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "rest_framework.exceptions"]
    return found


def test_no_module_below_the_interfaces_imports_api_error_or_http_statuses() -> None:
    offenders = {
        module: names
        for module, path in product_modules().items()
        if not _is_interface(module) and (names := _http_imports(ast.parse(path.read_text())))
    }
    assert not offenders, f"raise a gauntlet.errors kind instead of HTTP in: {offenders}"


def test_the_check_sees_an_http_import() -> None:
    tree = ast.parse("from rest_framework import status\nfrom gauntlet.api import ApiError, Pagination\n")
    assert sorted(_http_imports(tree)) == ["gauntlet.api.ApiError", "rest_framework.status"]
    assert _is_interface("attacks.apis.rewrite") and _is_interface("ml_worker.example_apis")
    assert not _is_interface("attacks.services.sessions.submit")


def test_no_module_below_the_interfaces_raises_or_catches_drf_exceptions() -> None:
    offenders = {
        module: names
        for module, path in product_modules().items()
        if not _is_interface(module)
        and module not in DRF_EXCEPTION_MODULES
        and (names := _drf_exception_imports(ast.parse(path.read_text())))
    }
    assert not offenders, (
        f"raise gauntlet.errors.Invalid (Invalid.in_fields) instead of DRF's exceptions in: {offenders}"
    )


def test_the_check_sees_a_drf_exception_import() -> None:
    tree = ast.parse(
        "from rest_framework.exceptions import ValidationError\n"
        "from rest_framework import exceptions, serializers\n"
        "import rest_framework.exceptions\n"
    )
    assert sorted(_drf_exception_imports(tree)) == [
        "rest_framework.exceptions",
        "rest_framework.exceptions",
        "rest_framework.exceptions.ValidationError",
    ]
    assert _is_interface("labeling.serializers") and not _is_interface("labeling.kinds")
