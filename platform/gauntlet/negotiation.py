"""The API's content negotiation (``REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]``): DRF's,
remembering its answers.

DRF parses the request's ``Accept`` header and matches it against every renderer on each request:
about a fortieth of a claim + submit cycle's CPU, to answer "JSON" to the same header every time.
Its answer depends only on that header, a ``?format=`` override (a query string) or a ``.json``
suffix, and the view's renderers' media types, so requests without a query string or a suffix
reuse the answer given for the same header and renderers. Everything else, and every refusal
(406), is DRF's own work each time.
"""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation

# (Accept header, the renderers' classes and media types) -> (which renderer, the media type).
_ANSWERS: dict[tuple[str, tuple[tuple[type, str], ...]], tuple[int, str]] = {}
MAX_ANSWERS = 512  # distinct headers remembered (browsers send a few; the rest is DRF's each time)


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Any, renderers: Any, format_suffix: str | None = None) -> Any:
        meta = getattr(request, "_request", request).META  # DRF's Request, or Django's
        if format_suffix or meta.get("QUERY_STRING"):
            return super().select_renderer(request, renderers, format_suffix)
        key = (meta.get("HTTP_ACCEPT", "*/*"), tuple((type(r), r.media_type) for r in renderers))
        known = _ANSWERS.get(key)
        if known is not None:
            return renderers[known[0]], known[1]
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(_ANSWERS) < MAX_ANSWERS:
            _ANSWERS[key] = (next(n for n, r in enumerate(renderers) if r is renderer), media_type)
        return renderer, media_type
