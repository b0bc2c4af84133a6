"""API token authentication: DRF's ``Authorization: Token <key>``, on the hot path.

Behaves exactly like ``rest_framework.authentication.TokenAuthentication`` (same
header, same errors), but looks the token and its user up in one prepared
statement instead of an ORM query compiled on every request: it runs for every
API call a contractor makes (claims, heartbeats, live scores).
"""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from gauntlet.accounts.models import User
from gauntlet.common.sql import columns, fetch, instance_from_row

_TOKEN_USER_SQL = (
    f'SELECT t."created", {columns(User, "u")} FROM {Token._meta.db_table} t '  # noqa: S608 - model names
    f'JOIN {User._meta.db_table} u ON u."id" = t."user_id" WHERE t."key" = %s'
)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        rows = fetch(_TOKEN_USER_SQL, [key])
        if not rows:
            raise exceptions.AuthenticationFailed("Invalid token.")
        created, *user_row = rows[0]
        user = instance_from_row(User, user_row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        token = Token(key=key, user=user, created=created)
        token._state.adding = False
        return user, token
