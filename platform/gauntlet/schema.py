"""OpenAPI schema generation (kept apart from :mod:`gauntlet.api`, which DRF
settings import while drf-spectacular itself is still importing DRF)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Names nested ``InputSerializer``/``OutputSerializer`` components after their view.

    The HackSoft convention nests serializers inside each ``<Entity><Action>Api``;
    without this every one of them would be called "Output" in the schema.
    """

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        qualname = type(serializer).__qualname__
        if "." in qualname:
            outer, inner = qualname.rsplit(".", 1)
            return outer.replace(".", "") + inner
        return str(super().get_serializer_name(serializer, direction))
