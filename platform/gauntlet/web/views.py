"""The URL root: a signed-in user's home page, or the sign-in page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gauntlet.web import nav


def root(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login("/", settings.LOGIN_URL)
    url = nav.home_url(getattr(request.user, "role", ""))
    if url is not None and url != request.path:
        return redirect(url)
    # No app registered a home for this role: a page that says so, with the navigation.
    return render(request, "web/home_fallback.html")
