"""Which HTTP paraphrasers Gauntlet may call: hosts on ``GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS``.

An ``http:`` paraphraser is an external peer that receives the stories and the bearer key
``GAUNTLET_PARAPHRASE_HTTP_API_KEY``. A manager names its URL, so the URL must be on the
operator's allow-list (``gauntlet.common.peers``: ``host`` or ``host:port``; empty allows none).
The list is checked when a batch is created (a 400 naming the setting) and again when it runs (the
list may have changed since), and the request never follows a redirect, so neither the key nor
the stories go anywhere else.
"""

from __future__ import annotations

from django.conf import settings

from gauntlet.common.peers import peer_url_allowed
from gauntlet.errors import Invalid


def paraphraser_url_allowed(url: str) -> bool:
    """True when ``url`` is http(s) and its host (or host:port) is on the allow-list."""
    return peer_url_allowed(url, settings.GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS)


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
