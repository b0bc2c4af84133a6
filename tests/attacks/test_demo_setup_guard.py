"""demo_setup creates accounts whose passwords it prints; it refuses a production database
(issue 12 item 13) and writes nothing there."""

import pytest
from django.core.management import CommandError, call_command

from gauntlet.accounts.models import User

pytestmark = pytest.mark.django_db


def test_demo_setup_refuses_a_production_database(settings) -> None:
    settings.GAUNTLET_PRODUCTION = True  # what DATABASE_URL without DJANGO_DEBUG means
    with pytest.raises(CommandError, match="production"):
        call_command("demo_setup", "--no-data")
    assert not User.objects.exists()
