"""An external id is text like the prompt: a lone surrogate (JSON's "\\udca1", or an undecodable
byte in a file) in it is a bad row named as such, not a 500 from rendering the answer.
Found by the schemathesis contract test."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from labeling.models import Example
from tests.conftest import client_for
from tests.factories import new_manager

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["\udca1", "row\x07"])
def test_an_id_with_a_character_no_text_may_hold_is_a_bad_row(bad: str) -> None:
    client = client_for(new_manager())
    body = json.dumps({"rows": [{"prompt": "A story.", "completion": "An end.", "id": bad}]})
    response = client.generic("POST", "/api/v1/examples/import/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    (row,) = response.json()["error"]["fields"]["rows"]
    assert row["row"] == 1 and row["field"] == "id"
    assert not Example.objects.exists()


def test_a_csv_header_of_bytes_that_are_not_utf8_is_named_in_the_refusal() -> None:
    """The header check quoted the names it found raw: undecodable bytes then made the 400 a 500."""
    client = client_for(new_manager())
    client.raise_request_exception = False
    upload = SimpleUploadedFile("rows.csv", b"\xa1\xa1\nA,B\n")
    response = client.post("/api/v1/examples/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    message = response.json()["error"]["message"]
    assert "missing prompt, completion" in message and "\\udca1" in message
    assert not Example.objects.exists()
