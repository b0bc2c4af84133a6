"""allauth customisation: people who sign up themselves are contractors."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from gauntlet.accounts.models import Qualification, Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user.role = Role.CONTRACTOR  # managers are created by operators, never by signup
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            from gauntlet.accounts.services import profile_ensure

            profile_ensure(user=user, qualification=Qualification.PROBATION)
        return user
