"""Every change of standing or policy leaves an audit record, written with the change."""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.audit.actions import AuditAction
from gauntlet.audit.models import AuditRecord
from gauntlet.audit.selectors import audit_records_for
from ml_worker.models import ClassifierVersion, VersionStatus
from tests.conftest import client_for
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db


def _version(name: str, status: str, tmp_path: Path) -> ClassifierVersion:
    return ClassifierVersion.objects.create(
        name=name, artifact_uri=str(tmp_path), base_model="tiny", status=status, threshold=0.5
    )


def test_promotion_and_threshold_changes_are_recorded_with_who_and_what(tmp_path: Path) -> None:
    old = _version("r0", VersionStatus.ACTIVE, tmp_path)
    new = _version("r1", VersionStatus.READY, tmp_path)
    manager = ManagerFactory()
    client = client_for(manager)

    assert client.post(f"/api/v1/classifiers/{new.pk}/promote/").status_code == 200
    assert client.post(f"/api/v1/classifiers/{new.pk}/threshold/", {"threshold": 0.3}).status_code == 200
    assert client.post(f"/api/v1/classifiers/{new.pk}/threshold/", {"threshold": 0.3}).status_code == 200

    promote, threshold = audit_records_for(subject=new).order_by("id")  # the repeat changed nothing
    assert (promote.action, promote.actor) == (AuditAction.CLASSIFIER_PROMOTE, manager)
    assert promote.before == {"active_version": old.name} and promote.after == {"active_version": "r1"}
    assert threshold.action == AuditAction.CLASSIFIER_THRESHOLD
    assert threshold.before == {"threshold": 0.5} and threshold.after == {"threshold": 0.3}


def test_a_refused_threshold_leaves_no_record(tmp_path: Path) -> None:
    version = _version("r0", VersionStatus.ACTIVE, tmp_path)
    response = client_for(ManagerFactory()).post(
        f"/api/v1/classifiers/{version.pk}/threshold/", {"threshold": 2}
    )
    assert response.status_code == 400
    assert not AuditRecord.objects.exists()
