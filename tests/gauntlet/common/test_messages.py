"""The message middleware: Django's, building the request's message storage only when it is used."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from gauntlet.common import messages as lazy_messages
from gauntlet.common.messages import MessageMiddleware


def test_it_is_the_configured_message_middleware() -> None:
    assert "gauntlet.common.messages.MessageMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.messages.middleware.MessageMiddleware" not in settings.MIDDLEWARE


def _through(middleware_class: type, view: Any, cookies: dict[str, str] | None = None) -> HttpResponse:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    handler = SessionMiddleware(middleware_class(view))
    return handler(request)  # type: ignore[no-any-return]


def _adding(request: HttpRequest) -> HttpResponse:
    messages.info(request, "saved")
    return HttpResponse("ok")


def _reading(request: HttpRequest) -> HttpResponse:
    return HttpResponse(",".join(str(m) for m in messages.get_messages(request)))


def _untouched(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_a_message_added_is_stored_and_read_back_as_djangos_are() -> None:
    for middleware_class in (DjangoMessageMiddleware, MessageMiddleware):
        added = _through(middleware_class, _adding)
        cookie = added.cookies[CookieStorage.cookie_name].value
        assert cookie  # stored in the cookie, as Django's middleware does
        read = _through(middleware_class, _reading, {CookieStorage.cookie_name: cookie})
        assert read.content == b"saved"
        assert read.cookies[CookieStorage.cookie_name].value == ""  # read: the cookie is cleared


def test_a_request_that_never_touches_messages_never_builds_the_storage(monkeypatch: Any) -> None:
    built: list[Any] = []
    real = lazy_messages.default_storage

    def building(request: HttpRequest) -> Any:
        built.append(request)
        return real(request)

    monkeypatch.setattr(lazy_messages, "default_storage", building)
    response = _through(MessageMiddleware, _untouched)
    assert built == []
    assert CookieStorage.cookie_name not in response.cookies
    assert _through(DjangoMessageMiddleware, _untouched).cookies.keys() == response.cookies.keys()
    _through(MessageMiddleware, _adding)
    assert len(built) == 1
