"""The shared layout: the URL root, allauth's pages in the app's style, static files offline."""

from __future__ import annotations

from typing import Any, cast

from gauntlet.accounts.models import User
from tests.browser.conftest import expect, screenshot, sign_in
from tests.factories import ManagerFactory, new_contractor


def test_root_sends_an_anonymous_visitor_to_a_styled_sign_in_page(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    # The stylesheet loaded from this server (no CDN): the header is dark, not the default white.
    header_bg = page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert header_bg == "rgb(17, 24, 39)"
    expect(page.get_by_role("link", name="Sign up", exact=True)).to_be_visible()
    screenshot(page, "web-sign-in", narrow=True)


def test_contractor_nav_hides_manager_links(page: Any, live_server: Any) -> None:
    contractor = new_contractor()
    sign_in(page, live_server, contractor)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    for link in page.locator(".nav-links a").all():
        assert link.get_attribute("href") not in _manager_urls()


def test_manager_nav_shows_manager_links(page: Any, live_server: Any) -> None:
    manager = cast(User, ManagerFactory())
    sign_in(page, live_server, manager)
    hrefs = {link.get_attribute("href") for link in page.locator(".nav-links a").all()}
    assert _manager_urls() <= hrefs
    expect(page.locator(".nav-user .badge")).to_have_text("manager")


def _manager_urls() -> set[str]:
    from gauntlet.web import nav

    return {link["url"] for link in nav.links_for(role=nav.MANAGER, path="/") if link["url"]} - {
        link["url"] for link in nav.links_for(role=nav.CONTRACTOR, path="/")
    }
