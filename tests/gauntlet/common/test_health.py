"""/healthz and /readyz as a load balancer sees them."""

import pytest
from django.test import Client

from tests.services import free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_dependencies(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_when_database_redis_and_storage_answer(client: Client, local_storage: None) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


def test_readyz_names_a_stopped_redis(client: Client, settings, local_storage: None) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "failed"  # the exception text only for managers


def test_readyz_names_unreachable_storage(client: Client, settings, moto_endpoint: str) -> None:
    from django.core.files.storage import storages

    backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "no-such-bucket",
            "endpoint_url": moto_endpoint,
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
        },
    }
    settings.STORAGES = {**settings.STORAGES, "artifacts": backend}
    storages._storages = {}
    try:
        response = client.get("/readyz")
    finally:
        storages._storages = {}
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]
