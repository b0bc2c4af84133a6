"""/readyz tells anyone which dependency failed, and only a signed-in manager why (issue 12 item 13):
exception text names hosts, ports and credentials' users, which anonymous probes must not learn."""

import pytest
from django.test import Client

from tests.factories import new_manager
from tests.services import free_port

pytestmark = pytest.mark.django_db


def test_an_anonymous_caller_learns_which_dependency_failed_but_not_the_exception(
    client: Client, settings, local_storage: None
) -> None:
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"] == "failed"
    assert str(port) not in response.content.decode()


def test_a_manager_sees_the_exception(client: Client, settings, local_storage: None) -> None:
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    client.force_login(new_manager())
    body = client.get("/readyz").json()
    assert body["checks"]["redis"].startswith("failed: ") and str(port) in body["checks"]["redis"]
