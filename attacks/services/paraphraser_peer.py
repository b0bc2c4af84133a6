"""Which HTTP paraphrasers Gauntlet may call: hosts on ``GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS``.

An ``http:`` paraphraser is an external peer that receives the stories and the bearer key
``GAUNTLET_PARAPHRASE_HTTP_API_KEY``. A manager names its URL, so the URL must be on the
operator's allow-list: an entry is a host name (any port) or ``host:port``; an empty list allows
none. The list is checked when a batch is created (a 400 naming the setting) and again when it
runs (the list may have changed since), and the request never follows a redirect
(``ml_worker.core.openai_http``), so neither the key nor the stories go anywhere else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from gauntlet.errors import Invalid


def paraphraser_url_allowed(url: str) -> bool:
    """True when ``url`` is http(s) and its host (or host:port) is on the allow-list."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    allowed = {entry.strip().lower() for entry in settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS}
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)


def paraphraser_url_check(url: str) -> None:
    """400 ``paraphraser_not_allowed`` unless ``url`` may be called (see the module docstring)."""
    if paraphraser_url_allowed(url):
        return
    allowed = ", ".join(settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS) or "none"
    raise Invalid(
        "paraphraser_not_allowed",
        f"The paraphraser URL {url} is not on the allowed hosts (GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS: "
        f"{allowed}); use one of them, or ask an operator to add the host.",
        fields={"paraphraser": ["host not allowed"]},
    )
