"""audit_record: what it keeps, when it writes nothing, and that it lives and dies with the change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from gauntlet.audit.models import AuditRecord
from gauntlet.audit.selectors import audit_records_for
from gauntlet.audit.services import audit_record
from tests.factories import ContractorFactory, ManagerFactory

pytestmark = pytest.mark.django_db


def test_keeps_only_the_fields_that_changed_with_actor_and_note() -> None:
    contractor, manager = ContractorFactory(), ManagerFactory()
    record = audit_record(
        action="contractor.hourly_rate",
        subject=contractor,
        actor=manager,
        before={"hourly_rate": Decimal("20.00"), "currency": "USD"},
        after={"hourly_rate": Decimal("25.50"), "currency": "USD"},
        note="raise after review",
    )
    assert record is not None
    record.refresh_from_db()
    assert record.before == {"hourly_rate": "20.00"} and record.after == {"hourly_rate": "25.50"}
    assert record.actor == manager and record.note == "raise after review"
    assert record.subject == contractor and str(contractor) in record.subject_repr
    assert list(audit_records_for(subject=contractor)) == [record]


def test_setting_the_same_value_again_writes_nothing() -> None:
    contractor = ContractorFactory()
    assert audit_record(action="x", subject=contractor, before={"a": 1}, after={"a": 1}) is None
    assert not AuditRecord.objects.exists()


def test_a_change_rolled_back_takes_its_record_with_it() -> None:
    contractor = ContractorFactory()

    def failing_change() -> None:
        with transaction.atomic():
            audit_record(action="x", subject=contractor, before={"a": 1}, after={"a": 2})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert not AuditRecord.objects.exists()
