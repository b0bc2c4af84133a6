"""The API's content negotiation answers exactly as DRF's, remembered or not."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory

from gauntlet import negotiation
from gauntlet.negotiation import ContentNegotiation
from gauntlet.renderers import JSONRenderer as GauntletJSONRenderer

HEADERS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/*",
    "text/*;q=0.5, application/json;q=0.9",
]
RENDERER_SETS = [
    [GauntletJSONRenderer, BrowsableAPIRenderer],
    [BrowsableAPIRenderer, JSONRenderer],
    [JSONRenderer],
]


def _request(accept: str | None, path: str = "/api/v1/me/") -> Request:
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get(path, **extra))


def _answer(conneg: Any, request: Request, renderers: list[Any], suffix: str | None = None) -> Any:
    try:
        renderer, media_type = conneg.select_renderer(request, renderers, suffix)
    except NotAcceptable:
        return "406"
    return renderers.index(renderer), media_type


def test_it_is_the_configured_negotiation() -> None:
    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is ContentNegotiation


@pytest.mark.parametrize("classes", RENDERER_SETS)
@pytest.mark.parametrize("accept", HEADERS)
def test_the_same_answer_as_drf_first_and_remembered(
    monkeypatch: pytest.MonkeyPatch, accept: str | None, classes: list[type]
) -> None:
    monkeypatch.setattr(negotiation, "_ANSWERS", {})
    renderers = [cls() for cls in classes]
    drf = _answer(DefaultContentNegotiation(), _request(accept), renderers)
    assert _answer(ContentNegotiation(), _request(accept), renderers) == drf  # worked out
    fresh = [cls() for cls in classes]  # each request has its own renderer instances
    assert _answer(ContentNegotiation(), _request(accept), fresh) == drf  # remembered


@pytest.mark.parametrize("accept", HEADERS)
def test_a_format_override_or_suffix_is_drfs_own_work(
    monkeypatch: pytest.MonkeyPatch, accept: str | None
) -> None:
    monkeypatch.setattr(negotiation, "_ANSWERS", {})
    renderers = [GauntletJSONRenderer(), BrowsableAPIRenderer()]
    for path, suffix in (
        ("/api/v1/me/?format=api", None),
        ("/api/v1/me/?format=json", None),
        ("/api/v1/me/", "api"),
    ):
        ours = _answer(ContentNegotiation(), _request(accept, path), renderers, suffix)
        assert ours == _answer(DefaultContentNegotiation(), _request(accept, path), renderers, suffix)
    assert negotiation._ANSWERS == {}


def test_a_refusal_is_never_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(negotiation, "_ANSWERS", {})
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            ContentNegotiation().select_renderer(_request("image/png"), [GauntletJSONRenderer()])
    assert negotiation._ANSWERS == {}


def test_it_remembers_a_bounded_number_of_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(negotiation, "_ANSWERS", {})
    monkeypatch.setattr(negotiation, "MAX_ANSWERS", 3)
    renderers = [GauntletJSONRenderer(), BrowsableAPIRenderer()]
    for n in range(10):
        accept = f"application/json; v={n}"
        assert _answer(ContentNegotiation(), _request(accept), renderers) == (0, accept)
    assert len(negotiation._ANSWERS) == 3
