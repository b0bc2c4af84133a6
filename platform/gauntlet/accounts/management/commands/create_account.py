"""``python manage.py create_account --email E --password P --role manager|contractor``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gauntlet.accounts.models import Qualification, Role
from gauntlet.accounts.services import account_create


class Command(BaseCommand):
    help = (
        "Create a verified account for an operator-managed person. Managers get admin access; "
        "contractors get a profile (qualified unless --qualification says otherwise)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--qualification", default=Qualification.QUALIFIED, choices=Qualification.values)
        parser.add_argument("--hourly-rate", default=None, help="contractor pay per active hour, e.g. 15.00")
        parser.add_argument("--allow-weak-password", action="store_true", help="skip password validators")

    def handle(self, *args: Any, **options: Any) -> None:
        rate = None
        if options["hourly_rate"] is not None:
            try:
                rate = Decimal(options["hourly_rate"])
            except InvalidOperation as exc:
                raise CommandError(
                    f"--hourly-rate must be a decimal amount, not {options['hourly_rate']!r}"
                ) from exc
        try:
            user = account_create(
                email=options["email"],
                password=options["password"],
                role=options["role"],
                qualification=options["qualification"],
                hourly_rate=rate,
                validate=not options["allow_weak_password"],
            )
        except ValidationError as exc:
            raise CommandError("password rejected: " + " ".join(exc.messages)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created {user.role} {user.email} (id {user.pk})")
