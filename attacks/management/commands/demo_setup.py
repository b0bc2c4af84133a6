"""``python manage.py demo_setup``: the accounts (and, as they exist, data) a demo needs.

Lives in ``attacks`` because that is the top of the import graph: the demo
touches every layer. Idempotent: running it again changes nothing and prints
the same credentials.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gauntlet.accounts.models import Qualification, Role, User
from gauntlet.accounts.services import account_create

DEMO_ACCOUNTS = (
    ("manager@gauntlet.local", "demo-manager-password", Role.MANAGER),
    ("contractor@gauntlet.local", "demo-contractor-password", Role.CONTRACTOR),
    ("verifier@gauntlet.local", "demo-verifier-password", Role.CONTRACTOR),
)


class Command(BaseCommand):
    help = "Create the demo manager and contractors (idempotent) and print their credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-data", action="store_true", help="accounts only: no classifier, examples or queues"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for email, password, role in DEMO_ACCOUNTS:
            if not User.objects.filter(email=email).exists():
                account_create(
                    email=email,
                    password=password,
                    role=role,
                    qualification=Qualification.QUALIFIED,
                    validate=False,
                )
        self.stdout.write(
            "Demo accounts (log in at http://127.0.0.1:8000/admin/ or POST /api/v1/auth/token/):"
        )
        for email, password, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:10} {email:28} password: {password}")
