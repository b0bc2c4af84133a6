"""Browser tests: Python Playwright driving Debian's Chromium against a live server.

How to add a browser test (other engineers: this is all you need)
-----------------------------------------------------------------
- Put it under ``tests/browser/`` (``test_<page>.py``). Mark nothing: every test here gets
  pytest-django's ``live_server`` (a real threaded HTTP server on a free loopback port,
  on the real PostgreSQL test database, transactional) through the ``page`` fixture.
- Make the rows you need with the factories or services (they are committed, so the
  server sees them), then sign in: ``sign_in(page, live_server, user)`` fills the real
  sign-in form; ``sign_in_fast(context, live_server, user)`` sets a session cookie (use
  it when sign-in itself is not what the test is about).
- Find things as a person does (``page.get_by_role("button", name="Submit")``,
  ``get_by_label``), assert with ``expect(...)`` (it waits), never sleep.
- ``screenshot(page, "app-page-state")`` writes ``var/screenshots/<name>.png`` (and a
  390 px wide one with ``narrow=True``); look at them.
- Every request the browser makes goes through a route handler: anything not on
  loopback is aborted and FAILS the test at teardown (no CDN, no fonts, no telemetry).
- More browsers (other people, e.g. two verifiers): ``new_page()`` gives a page in a
  fresh context (own cookies) with the same loopback guard.

The browser is ``/usr/bin/chromium`` (``make install`` installs Debian's ``chromium``
with apt when it is missing), launched headless; never ``playwright install``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from gauntlet.accounts.models import User
from tests.factories import PASSWORD

# Playwright's sync API runs its own event loop in this thread; the test code around it
# is ordinary synchronous Django (ORM calls to set up rows), which Django would refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SCREENSHOTS = Path(django_settings.VAR_DIR if hasattr(django_settings, "VAR_DIR") else "var") / "screenshots"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
# Waiting expectations wait this long (ms): the 2 shared cores can be slow under a full suite, and
# the live tools (saliency, substitutions) run the real model. A passing wait returns at once.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium with apt.")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class LoopbackGuard:
    """Aborts and remembers every request to a host that is not this machine."""

    def __init__(self) -> None:
        self.outside: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname in LOOPBACK_HOSTS:
            route.continue_()
            return
        self.outside.append(url)
        route.abort()


@pytest.fixture(scope="session")
def _warm_urls() -> None:
    """Import every view module once, here: the server's first request would otherwise pay
    for importing the URLconf (the API, ML code) and time the first browser step out."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


@pytest.fixture
def new_page(browser: Any, live_server: Any, _warm_urls: None) -> Iterator[Callable[..., Any]]:
    """``new_page(narrow=False)``: a page in a fresh browser context (its own cookies)."""
    guards: list[LoopbackGuard] = []
    contexts: list[Any] = []

    def make(*, narrow: bool = False) -> Any:
        context = browser.new_context(viewport=NARROW if narrow else WIDE, base_url=live_server.url)
        context.set_default_timeout(10_000)
        guard = LoopbackGuard()
        context.route("**/*", guard)
        guards.append(guard)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: page_errors.append(f"{page.url}: {exc}"))
        return page

    page_errors: list[str] = []
    yield make
    for context in contexts:
        # Let requests the page still has in flight (a prefetch, a heartbeat) finish first: a request
        # the server is still answering holds locks the database flush after the test would wait on.
        for open_page in context.pages:
            try:
                open_page.wait_for_load_state("networkidle", timeout=5_000)
            except playwright_api.Error:
                pass
        context.close()
    outside = [url for guard in guards for url in guard.outside]
    assert not outside, f"the page requested something outside this machine: {outside}"
    assert not page_errors, f"JavaScript errors on the page: {page_errors}"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def sign_in(page: Any, live_server: Any, user: User, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in form and wait for the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def sign_in_fast(page: Any, live_server: Any, user: User) -> None:
    """Give the page's context a signed-in session cookie for ``user`` (no form)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    host = urlsplit(live_server.url).hostname
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "domain": host,
                "path": "/",
            }
        ]
    )


def screenshot(page: Any, name: str, *, narrow: bool = False) -> Path:
    """Save what the page shows now as ``var/screenshots/<name>.png`` (full page).

    ``narrow=True`` also saves ``<name>-390.png`` at a phone's width, then restores the size."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if narrow:
        size = page.viewport_size
        page.set_viewport_size(NARROW)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
        page.set_viewport_size(size)
    return path
