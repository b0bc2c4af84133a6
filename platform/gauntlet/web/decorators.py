"""Access rules for pages: signed in (else the sign-in page) and of the right role (else 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

View = Callable[..., HttpResponse]


def role_required(role: str) -> Callable[[View], View]:
    """``@role_required("contractor")``: anonymous → sign in; another role → a 403 page saying why."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) != role:
                return render(request, "web/forbidden.html", {"role": role}, status=403)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


def is_htmx(request: HttpRequest) -> bool:
    """A request for a fragment (htmx or one of our fetch() calls) rather than a whole page."""
    return request.headers.get("HX-Request") == "true" or request.headers.get("X-Requested-With") == "fetch"
