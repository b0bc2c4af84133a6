"""Fixtures shared by the whole suite: API clients per role, real S3, a real worker."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import torch
from celery.result import allow_join_result
from django.core.files.storage import storages
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gauntlet.accounts.models import User
from tests import services
from tests.factories import ContractorFactory, ManagerFactory

# One setting for the whole session: torch's default (every core plus an interop pool)
# oversubscribes the 2 cores the test process shares with PostgreSQL and workers.
torch.set_num_threads(2)


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def manager(db: None) -> User:
    return ManagerFactory()


@pytest.fixture
def contractor(db: None) -> User:
    return ContractorFactory()


@pytest.fixture
def manager_client(manager: User) -> APIClient:
    return client_for(manager)


@pytest.fixture
def contractor_client(contractor: User) -> APIClient:
    return client_for(contractor)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto_server process for the whole session."""
    with services.moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_client(moto_endpoint: str):  # type: ignore[no-untyped-def]
    """A boto3 S3 client for the session's moto_server (moto's dummy credentials)."""
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106
    )


@pytest.fixture
def s3_storage(
    moto_endpoint: str,
    s3_client,
    settings: object,
    request: pytest.FixtureRequest,  # type: ignore[no-untyped-def]
) -> Iterator[str]:
    """Point artifact storage at a fresh bucket on the moto_server; yields the bucket name."""
    bucket = f"gauntlet-test-{request.node.name.lower().replace('_', '-')[:30]}-{services.free_port()}"
    s3_client.create_bucket(Bucket=bucket)
    backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": moto_endpoint,
            "region_name": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "file_overwrite": True,
            "default_acl": None,
        },
    }
    settings.STORAGES = {**settings.STORAGES, "default": backend, "artifacts": backend}  # type: ignore[attr-defined]
    storages._storages = {}  # type: ignore[attr-defined]  # re-read STORAGES
    yield bucket
    storages._storages = {}  # type: ignore[attr-defined]


@pytest.fixture
def local_storage(tmp_path: object, settings: object) -> Iterator[None]:
    backend = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)},
    }
    settings.STORAGES = {**settings.STORAGES, "default": backend, "artifacts": backend}  # type: ignore[attr-defined]
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    storages._storages = {}  # type: ignore[attr-defined]
    yield
    storages._storages = {}  # type: ignore[attr-defined]


@pytest.fixture
def celery_worker_process(transactional_db: None) -> Iterator[object]:
    """A real Celery worker process (queues default, live and gpu) against Redis and the test database.

    Switches the in-process Celery app out of eager mode for the test, so
    ``.delay()`` really goes through the broker.
    """
    from gauntlet.celery import app

    app.conf.task_always_eager = False
    app.control.purge()  # nothing left over from an earlier test reaches this worker
    database_name = connection.settings_dict["NAME"]
    try:
        # Celery's "am I inside a task" flag is one process-wide global: eager tasks that ran
        # at once on several threads (live-server threads, run_in_threads tests) can leave it
        # set on exit, and then every wait on the real worker below would be refused.
        with allow_join_result(), services.celery_worker(database_name=database_name) as proc:
            result = app.send_task("gauntlet.ping")
            assert result.get(timeout=60) == "pong", "the test worker did not answer"
            yield proc
    finally:  # a worker that failed to start must not leave the rest of the session un-eager
        app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty (per-process) cache: no throttle or rate-limit carry-over."""
    from django.core.cache import cache

    cache.clear()
