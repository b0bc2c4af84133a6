"""The authorization matrix (issue 12): every API operation x {anonymous, contractor A, contractor B,
manager}, on the world's objects, all owned by contractor A.

The operations are read from the URL resolver (each API view's HTTP methods) and checked against
the OpenAPI schema, so an endpoint added without a row in :data:`MATRIX` fails
:func:`test_every_operation_has_a_row`. Each cell is one parametrized test named after the operation
and the role, expecting one status:

- a refusal is 401 (anonymous), 403 (the wrong role) or 404 (someone else's object: contractor B
  never learns that A's assignment or session exists);
- an allowed call is the status the world gives it (200/201/202, a 400 naming what the body lacks,
  a 409 when the world's object is in the wrong state): each says the check let the caller in.

One world per module, built once in a transaction that is rolled back at the end; each cell runs in
its own savepoint, so a manager's close or a contractor's submit does not change the next cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from ml_worker import runtime
from tests.gauntlet.api.world import SEED_PROMPT, World, build_world, token_for
from tests.ml_worker.core import toy

ROLES = ("anonymous", "contractor_a", "contractor_b", "manager")
METHODS = ("get", "post", "put", "patch", "delete")
MISSING = 999_999  # path parameters the world has no object for (the manager gets the 404)


def _manager(status: int) -> dict[str, int]:
    """Managers only: contractors are refused whoever owns the object."""
    return {"anonymous": 401, "contractor_a": 403, "contractor_b": 403, "manager": status}


def _own(status: int) -> dict[str, int]:
    """A's own object: A may, B is told it does not exist, a manager does not act for a contractor."""
    return {"anonymous": 401, "contractor_a": status, "contractor_b": 404, "manager": 403}


def _contractors(status: int, manager: int = 403) -> dict[str, int]:
    """Any contractor, about themselves (their queues, their next task, their earnings)."""
    return {"anonymous": 401, "contractor_a": status, "contractor_b": status, "manager": manager}


def _anyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


MATRIX: dict[str, dict[str, int]] = {
    # public: signing in, and the API's own description
    "POST /api/v1/auth/token/": _anyone(400),  # the matrix's body holds no credentials
    "GET /api/v1/schema/": _anyone(200),
    "GET /api/v1/docs/": _anyone(200),
    "GET /api/v1/redoc/": _anyone(200),
    # everyone signed in, about themselves
    "GET /api/v1/me/": _contractors(200, manager=200),
    "GET /api/v1/me/assignments/": _contractors(200),
    "GET /api/v1/me/earnings/": _contractors(200),
    "GET /api/v1/me/history/": _contractors(200),
    "GET /api/v1/me/queues/": _contractors(200),
    "GET /api/v1/me/rewrites/": _contractors(200),
    "POST /api/v1/queues/{queue_id}/claim/": _contractors(200),
    "POST /api/v1/rewrite-sessions/": _contractors(201),
    # A's assignment and A's rewrite session
    "POST /api/v1/assignments/{assignment_id}/heartbeat/": _own(200),
    "POST /api/v1/assignments/{assignment_id}/release/": _own(200),
    "POST /api/v1/assignments/{assignment_id}/submit/": _own(200),
    "GET /api/v1/rewrite-sessions/{session_id}/": _own(200),
    "POST /api/v1/rewrite-sessions/{session_id}/abandon/": _own(200),
    "POST /api/v1/rewrite-sessions/{session_id}/edits/": _own(201),
    "POST /api/v1/rewrite-sessions/{session_id}/saliency/": _own(200),
    "POST /api/v1/rewrite-sessions/{session_id}/submit/": _own(400),  # the seed does not pass yet
    "POST /api/v1/rewrite-sessions/{session_id}/substitutions/": _own(200),
    # managers: reading
    "GET /api/v1/adjudications/": _manager(200),
    "GET /api/v1/adversarial-examples/": _manager(200),
    "GET /api/v1/attack-batches/{batch_id}/": _manager(404),  # the world has no attack batch
    "GET /api/v1/attacks/cost/": _manager(200),
    "GET /api/v1/attacks/matrix/": _manager(200),
    "GET /api/v1/classifiers/": _manager(200),
    "GET /api/v1/classifiers/compare/": _manager(400),  # a version against itself
    "GET /api/v1/classifiers/{version_id}/": _manager(200),
    "GET /api/v1/classifiers/{version_id}/reliability/": _manager(200),
    "GET /api/v1/contractors/": _manager(200),
    "GET /api/v1/examples/": _manager(200),
    "GET /api/v1/examples/import-jobs/{job_id}/": _manager(200),
    "GET /api/v1/generation-batches/{batch_id}/": _manager(404),  # the world has no generation batch
    "GET /api/v1/ledger/": _manager(200),
    "GET /api/v1/paraphrase-batches/{batch_id}/": _manager(200),
    "GET /api/v1/payouts/": _manager(200),
    "GET /api/v1/payouts/{batch_id}/": _manager(200),
    "GET /api/v1/payouts/{batch_id}/csv/": _manager(200),
    "GET /api/v1/queues/": _manager(200),
    "GET /api/v1/queues/{queue_id}/": _manager(200),
    "GET /api/v1/queues/{queue_id}/agreement/": _manager(200),
    "GET /api/v1/queues/{queue_id}/comparisons/summary/": _manager(400),  # an injury-label queue
    "GET /api/v1/queues/{queue_id}/consensus/": _manager(200),
    "GET /api/v1/queues/{queue_id}/cost/": _manager(200),
    "GET /api/v1/queues/{queue_id}/progress/": _manager(200),
    "GET /api/v1/raters/{rater_id}/audit/": _manager(200),
    "GET /api/v1/training-runs/{run_id}/": _manager(200),
    # managers: acting (A's work, A's standing, the queues, the classifiers, the money)
    "PATCH /api/v1/contractors/{user_id}/": _manager(200),
    "POST /api/v1/contractors/{contractor_id}/block/": _manager(200),
    "POST /api/v1/raters/{rater_id}/block/": _manager(200),
    "POST /api/v1/raters/{rater_id}/probation/": _manager(200),
    "POST /api/v1/assignments/{assignment_id}/approve/": _manager(200),
    "POST /api/v1/assignments/{assignment_id}/reject/": _manager(200),
    "POST /api/v1/assignments/review/": _manager(400),  # the body names no decision
    "POST /api/v1/adjudications/{consensus_id}/": _manager(404),  # the world has nothing to adjudicate
    "POST /api/v1/adjustments/": _manager(400),  # no amount
    "POST /api/v1/bonuses/": _manager(400),  # no amount
    "POST /api/v1/ledger/pay-rejected/": _manager(409),  # the assignment is not rejected
    "POST /api/v1/payouts/": _manager(400),  # no period
    "POST /api/v1/payouts/{batch_id}/mark-paid/": _manager(400),  # no reference
    "POST /api/v1/queues/": _manager(400),  # no name or kind
    "PATCH /api/v1/queues/{queue_id}/": _manager(400),  # the matrix body holds no queue field
    "POST /api/v1/queues/{queue_id}/open/": _manager(200),
    "POST /api/v1/queues/{queue_id}/pause/": _manager(200),
    "POST /api/v1/queues/{queue_id}/close/": _manager(200),
    "POST /api/v1/queues/{queue_id}/items/": _manager(400),  # no items
    "POST /api/v1/queues/{queue_id}/items/from-selection/": _manager(200),
    "POST /api/v1/queues/{queue_id}/consensus/recompute/": _manager(200),
    "POST /api/v1/queues/{queue_id}/export/": _manager(201),
    "POST /api/v1/examples/import/": _manager(400),  # no file or rows
    "POST /api/v1/examples/import-jobs/": _manager(400),  # no file or rows
    "POST /api/v1/score/": _manager(200),
    "POST /api/v1/saliency/": _manager(200),
    "POST /api/v1/substitutions/": _manager(400),  # the matrix body has no span object
    "POST /api/v1/classifiers/{version_id}/promote/": _manager(200),
    "POST /api/v1/classifiers/{version_id}/threshold/": _manager(400),  # no threshold
    "POST /api/v1/classifiers/{version_id}/sweeps/": _manager(202),
    "POST /api/v1/classifiers/{version_id}/quality-comparisons/": _manager(400),
    "POST /api/v1/classifiers/{version_id}/threshold-decisions/": _manager(409),  # no sweep yet
    "POST /api/v1/threshold-decisions/{decision_id}/approve/": _manager(404),  # the world has no decision
    "POST /api/v1/threshold-decisions/{decision_id}/reject/": _manager(404),
    "POST /api/v1/training-runs/": _manager(409),  # the world's run is still queued
    "POST /api/v1/attack-batches/": _manager(400),
    "POST /api/v1/attacks/matrix/refresh/": _manager(202),
    "POST /api/v1/generation-batches/": _manager(400),  # no generator configured
    "POST /api/v1/evaluation-sets/test/": _manager(400),
    "POST /api/v1/evaluation-sets/{set_id}/label-next/": _manager(400),
    "POST /api/v1/paraphrase-batches/": _manager(400),
}


def _resolver_operations() -> set[str]:
    """``METHOD /path/`` for every method every API view under ``/api/`` implements."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    found = set()
    for route, pattern in walk(get_resolver().url_patterns, "/"):
        view = getattr(pattern.callback, "cls", None)
        if not route.startswith("/api/") or view is None:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        found |= {f"{method.upper()} {path}" for method in METHODS if hasattr(view, method)}
    return found


def _schema_operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {f"{m.upper()} {path}" for path, ops in schema["paths"].items() for m in ops if m in METHODS}


OPERATIONS = sorted(_resolver_operations())


def test_every_operation_has_a_row() -> None:
    assert sorted(set(OPERATIONS) - set(MATRIX)) == [], "operations with no row in MATRIX"
    assert sorted(set(MATRIX) - set(OPERATIONS)) == [], "rows for operations that no longer exist"


def test_the_schema_documents_every_operation_the_resolver_serves() -> None:
    undocumented = {
        "GET /api/v1/schema/",
        "GET /api/v1/docs/",
        "GET /api/v1/redoc/",
    }  # the schema's own views
    assert sorted(set(OPERATIONS) - _schema_operations() - undocumented) == []
    assert sorted(_schema_operations() - set(OPERATIONS)) == []


@pytest.fixture
def ml_env() -> None:
    """The package conftest's per-test model cache and storage would hide the module world's files."""


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One world for the module, in a transaction rolled back after its last cell."""
    tmp = tmp_path_factory.mktemp("authorization")
    media = tmp / "media"
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}
    with override_settings(
        GAUNTLET_MODEL_CACHE=tmp / "model-cache",
        GAUNTLET_CLASSIFIER_MAX_LENGTH=48,
        STORAGES={**settings.STORAGES, "default": backend, "artifacts": backend},
        MEDIA_ROOT=str(media),
    ):
        storages._storages = {}  # type: ignore[attr-defined]
        runtime.reset()
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                yield build_world(toy.write_tiny_classifier(Path(tmp) / "tiny"))
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
        runtime.reset()
        storages._storages = {}  # type: ignore[attr-defined]


def _body(world: World, path: str) -> dict[str, object]:
    """A body every operation accepts the shape of: the world's ids and a plausible value per field."""
    return {
        **world.body_ids(path),
        "label": "injurious",
        "active": True,
        "prompt": SEED_PROMPT,
        "completion": "anna hurt the dog .",
        "field": "completion",
        "start": 5,
        "end": 9,
        "k": 2,
        "note": "matrix",
        "reason": "matrix",
    }


def _call(world: World, role: str, operation: str) -> Any:
    method, path = operation.split(" ", 1)
    names = re.findall(r"{(\w+)}", path)
    known = world.path_parameters(path)
    url = path.format(**{name: known.get(name, MISSING) for name in names})
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(getattr(world, role))}")
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, _body(world, path), format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_who_may_call(world: World, operation: str, role: str) -> None:
    if operation not in MATRIX:
        pytest.fail(f"{operation} has no row in MATRIX")
    response = _call(world, role, operation)
    expected = MATRIX[operation][role]
    assert response.status_code == expected, (
        f"{operation} as {role}: {response.status_code}, expected {expected}: {response.content[:300]!r}"
    )
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        assert set(response.json()) == {"error"}, response.content[:300]
