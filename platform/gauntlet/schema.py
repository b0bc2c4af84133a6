"""OpenAPI schema generation (kept apart from :mod:`gauntlet.api`, which DRF
settings import while drf-spectacular itself is still importing DRF).

Two promises of the API conventions are made true in the schema here, once, rather than
in every view: every list (a GET answering ``many=True``) is paginated, and every
operation documents the one error shape for its 4xx/5xx answers, so a generated client
can parse both (the contract test checks real answers against them).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import is_list_serializer

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error, whatever its status: a stable code, a message saying what to fix, "
    "and the input fields at fault (possibly empty).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


class AutoSchema(SpectacularAutoSchema):
    """Names nested ``InputSerializer``/``OutputSerializer`` components after their view,
    and documents list answers as the paginated envelope the views return.

    The HackSoft convention nests serializers inside each ``<Entity><Action>Api``;
    without this every one of them would be called "Output" in the schema.
    """

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        qualname = type(serializer).__qualname__
        if "." in qualname:
            outer, inner = qualname.rsplit(".", 1)
            return outer.replace(".", "") + inner
        return str(super().get_serializer_name(serializer, direction))

    def _get_paginator(self) -> Any:
        # Plain APIViews paginate by hand with gauntlet.api.Pagination; a GET whose answer is a
        # list serializer is such a list (a test holds every one of them to the envelope).
        paginator = super()._get_paginator()
        if paginator is None and self.method == "GET" and is_list_serializer(self._main_response()):
            from gauntlet.api import Pagination

            return Pagination()
        return paginator

    def _main_response(self) -> Any:
        serializer = self.get_response_serializers()
        if isinstance(serializer, dict) and serializer:
            serializer = {str(code): s for code, s in serializer.items()}
            serializer = serializer[min(serializer)]
        return serializer


def error_responses_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the error shape as every operation's ``default`` answer."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault(
                    "default",
                    {
                        "description": "An error (4xx or 5xx)",
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result
