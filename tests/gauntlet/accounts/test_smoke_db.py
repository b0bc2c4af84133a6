import pytest

from tests.factories import ContractorFactory

pytestmark = pytest.mark.django_db


def test_contractor_factory_makes_a_profile() -> None:
    user = ContractorFactory()
    assert user.contractor_profile.can_work
