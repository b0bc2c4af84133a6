"""Navigation and home pages, registered by the apps that own the pages.

``gauntlet.web`` imports no app, so each app adds its own links from its
``AppConfig.ready()``::

    from gauntlet.web import nav

    nav.register_link(nav.NavLink(label="Earnings", url_name="payments:earnings", audience=nav.CONTRACTOR))
    nav.register_home(role=nav.CONTRACTOR, url_name="workqueue:home")

``/`` sends a signed-in user to the home page registered for their role and an
anonymous visitor to the sign-in page. Links whose ``audience`` is ``manager``
are shown to managers only, ``contractor`` to contractors only, ``any`` to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

CONTRACTOR = "contractor"
MANAGER = "manager"
ANY = "any"
AUDIENCES = (CONTRACTOR, MANAGER, ANY)


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    audience: str = ANY
    order: int = 100  # lower comes first
    key: str = ""  # an optional Alt+key access key, shown next to the label


_LINKS: dict[str, NavLink] = {}
_HOMES: dict[str, str] = {}


def register_link(link: NavLink) -> None:
    """Add (or, on re-registration, replace) a link in the top navigation."""
    if link.audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {link.audience!r}")
    _LINKS[link.url_name] = link


def register_home(*, role: str, url_name: str) -> None:
    """The page ``/`` sends a signed-in user of ``role`` to."""
    if role not in (CONTRACTOR, MANAGER):
        raise ValueError(f"role must be {CONTRACTOR} or {MANAGER}, not {role!r}")
    _HOMES[role] = url_name


def home_url(role: str) -> str | None:
    url_name = _HOMES.get(role)
    if url_name is None:
        return None
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def links_for(*, role: str | None, path: str) -> list[dict[str, Any]]:
    """The links this role may see, in order, each marked ``current`` when ``path`` is under it."""
    if role is None:
        return []
    rows: list[dict[str, Any]] = []
    for link in sorted(_LINKS.values(), key=lambda link: (link.order, link.label)):
        if link.audience not in (ANY, role):
            continue
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        current = path == url or (url != "/" and path.startswith(url))
        rows.append({"label": link.label, "url": url, "key": link.key, "current": current})
    return rows
