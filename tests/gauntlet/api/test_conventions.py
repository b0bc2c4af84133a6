"""The API keeps its documented promises (issue 12 item 12): one error shape for every error,
404 and 500 included; every list paginated; request schemas that describe what is accepted."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.test import Client
from rest_framework.test import APIClient

from tests.gauntlet.api.world import World, token_for

pytestmark = pytest.mark.django_db


def _schema() -> dict[str, Any]:
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _assert_error_shape(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)


def test_an_unknown_api_url_is_a_404_in_the_error_shape(anon_client: APIClient) -> None:
    _assert_error_shape(anon_client.get("/api/v1/no-such-thing/"), 404, "not_found")
    _assert_error_shape(anon_client.post("/api/v1/queues/999999/nope/"), 404, "not_found")


def test_a_wrong_method_is_a_405_in_the_error_shape(manager_client: APIClient) -> None:
    _assert_error_shape(manager_client.delete("/api/v1/queues/"), 405, "method_not_allowed")


def test_an_unexpected_exception_is_a_500_in_the_error_shape_without_its_text(
    manager_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gauntlet.workqueue import selectors

    def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "queue_list", broken)
    manager_client.raise_request_exception = False
    response = manager_client.get("/api/v1/queues/")
    _assert_error_shape(response, 500, "server_error")
    assert b"secret internals" not in response.content


def test_every_list_answer_is_paginated(world: World) -> None:
    """Every GET the schema documents as a list answers ``{count, next, previous, results}``,
    and every GET that answers a bare JSON array is a bug (the whole schema, as it is now)."""
    schema = _schema()
    clients = {}
    for user in (world.manager, world.contractor_a):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        clients[user.pk] = client
    checked, bare = 0, []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        url = path.format(**world.path_parameters(path))
        for client in clients.values():
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("application/json"):
                continue
            body = response.json()
            if isinstance(body, list):
                bare.append(path)
                continue
            content = operations["get"]["responses"]["200"].get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            if ref.startswith("#/components/schemas/Paginated"):
                assert set(body) == {"count", "next", "previous", "results"}, path
                checked += 1
    assert bare == []
    assert checked >= 10


def test_request_bodies_document_what_is_written() -> None:
    schema = _schema()
    components = schema["components"]["schemas"]

    def body_schema(path: str, method: str) -> dict[str, Any]:
        content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        return components[content["$ref"].rsplit("/", 1)[1]]

    queue_body = body_schema("/api/v1/queues/", "post")
    assert {"name", "kind", "overlap", "pay_per_task", "kind_settings"} <= set(queue_body["properties"])
    assert not {"id", "created_at"} & set(queue_body["properties"])
    assert set(queue_body["required"]) == {"name", "kind"}
    assert "requestBody" in schema["paths"]["/api/v1/assignments/{assignment_id}/submit/"]["post"]
