"""Live tools are not an open oracle (issue 12, item 1): the bare score, saliency and substitution
endpoints answer managers only. Contractors reach the tools through their own open rewrite session
(bound to its version and condition, see tests/attacks/test_tools.py); a verifier or labeler can
never score the text they judge."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PAIR = {"prompt": "tom went to the park . it was a sunny day .", "completion": "anna hurt the dog ."}
BARE = [
    ("/api/v1/score/", PAIR),
    ("/api/v1/saliency/", PAIR),
    ("/api/v1/substitutions/", {**PAIR, "span": {"field": "completion", "start": 5, "end": 9}, "k": 3}),
]


@pytest.mark.parametrize(("path", "body"), BARE, ids=["score", "saliency", "substitutions"])
def test_contractors_cannot_use_the_bare_live_tools(contractor_client, tiny_version, path, body) -> None:  # type: ignore[no-untyped-def]
    response = contractor_client.post(path, body, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] in ("permission_denied", "forbidden", "not_a_manager")


@pytest.mark.parametrize(("path", "body"), BARE, ids=["score", "saliency", "substitutions"])
def test_managers_use_the_bare_live_tools(manager_client, tiny_version, path, body) -> None:  # type: ignore[no-untyped-def]
    response = manager_client.post(path, body, format="json")
    assert response.status_code == 200, response.content
