"""External HTTP peers a manager names by URL (a paraphraser, a completion generator) receive the
stories and a bearer key, so a URL may be called only when its host is on the operator's
allow-list (a setting per peer, read from the environment). An entry is a host name (any port) or
``host:port``; an empty list allows none. The POST never follows a redirect
(``ml_worker.core.openai_http``), so nothing goes anywhere else."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def peer_url_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """True when ``url`` is http(s) and its host, or ``host:port``, is in ``allowed_hosts``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    allowed = {entry.strip().lower() for entry in allowed_hosts}
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)
