"""DRF permission classes for the two roles."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsManager(BasePermission):
    message = "This endpoint is for managers."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_manager", False))


class IsContractor(BasePermission):
    message = "This endpoint is for contractors."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_contractor", False))
