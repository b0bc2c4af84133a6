"""Managers may use the whole admin: every model permission, without superuser status."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class RoleModelBackend(ModelBackend):
    """Django's ModelBackend, plus: an active manager holds every model permission.

    Managers are ``is_staff`` (admin login) but not superusers, so this is what
    lets them see and edit every model in the admin ("Django admin for every
    model, usable by managers").
    """

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if user_obj.is_active and getattr(user_obj, "role", None) == "manager":
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if user_obj.is_active and getattr(user_obj, "role", None) == "manager":
            return True
        return super().has_module_perms(user_obj, app_label)
