"""A field check below the API (``Invalid.in_fields``) reads exactly like DRF's ``ValidationError``.

Task kinds and services used to raise DRF's ``ValidationError``; they raise the domain error now, and
clients must see the same body and status as before: code ``validation_error``, the message
``Invalid input: field: problem``, the fields as given, 400.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import ValidationError

from gauntlet.api import exception_handler
from gauntlet.errors import Invalid

SHAPES: list[dict[str, Any]] = [
    {"label": ["label must be one of injurious, not_injurious, unsure."]},
    {"kind_settings": {"condition": ["One of tool_assisted, manual."], "extra": ["Not a setting."]}},
    {"kind_settings": ["Bad consensus settings: agreement_threshold is 0..1."]},
    {"items": {"0": {"payload": {"example_id": ["There is no example 5."]}, "key": ["Too long."]}}},
    {"items": {"1": {"non_field_errors": ["Each item must be an object."]}}},
]


def _rendered(exc: Exception) -> tuple[int, Any]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


@pytest.mark.parametrize("fields", SHAPES)
def test_a_field_check_renders_as_drf_validation_error_did(fields: dict[str, Any]) -> None:
    status, body = _rendered(Invalid.in_fields(fields))
    assert (status, body) == _rendered(ValidationError(fields))
    assert status == 400 and body["error"]["code"] == "validation_error"
    assert body["error"]["message"].startswith("Invalid input: ")


def test_the_message_names_each_field_and_its_problem() -> None:
    error = Invalid.in_fields({"kind_settings": {"condition": ["One of a, b."]}, "note": ["Too long."]})
    assert error.message == "Invalid input: kind_settings: condition: One of a, b.; note: Too long."
    assert error.fields == {"kind_settings": {"condition": ["One of a, b."]}, "note": ["Too long."]}
