"""The API's JSON renderer (``REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]``), in a module of its own:
DRF imports it while resolving its settings, so it must not import what imports those settings."""

from __future__ import annotations

from typing import Any

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, except that text holding a lone surrogate (bytes that were not UTF-8,
    decoded with ``surrogateescape``, echoed in an answer) is written as a ``\\udcXX`` escape
    instead of failing to encode, which turned a 400 into a 500. Any other answer is byte for
    byte DRF's."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _AsciiJSONRenderer().render(data, accepted_media_type, renderer_context)


class _AsciiJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True  # every non-ASCII character as a \\u escape: a lone surrogate too
