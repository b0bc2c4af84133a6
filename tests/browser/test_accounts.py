"""Sign up → the verification mail (locmem) → confirm → sign in, in the browser; password reset styled."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail

from gauntlet.accounts.models import Qualification, User
from tests.browser.conftest import expect, screenshot

PASSWORD = "a long and unusual passphrase 42"  # noqa: S105


def test_sign_up_verify_by_mail_then_sign_in(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up", exact=True).click()
    expect(page.get_by_role("heading", name="Sign Up")).to_be_visible()
    page.get_by_label("Email").fill("new.person@example.com")
    page.locator("#id_password1").fill(PASSWORD)  # labelled "Password:" and "Password (again):"
    page.locator("#id_password2").fill(PASSWORD)
    screenshot(page, "accounts-sign-up")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    screenshot(page, "accounts-verification-sent")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Confirm Email Address")).to_be_visible()
    screenshot(page, "accounts-confirm-email")
    page.get_by_role("button", name="Confirm").click()

    # Confirmed: sign in with the new account and land on the contractor's home, on probation.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("new.person@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    expect(page.get_by_text("You are on probation")).to_be_visible()
    user = User.objects.get(email="new.person@example.com")
    assert user.contractor_profile.qualification == Qualification.PROBATION
    screenshot(page, "contractor-home-probation", narrow=True)


def test_password_reset_page_is_in_the_app_layout(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/password/reset/")
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    expect(page.locator(".site-header")).to_be_visible()
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    screenshot(page, "accounts-password-reset-done")
