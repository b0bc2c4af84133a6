"""MTurk-style auto-approval: the periodic task approves (and so pays) unreviewed work after the delay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gauntlet.payments.models import LedgerEntry
from gauntlet.payments.services import assignments_auto_approve_due
from gauntlet.payments.tasks import auto_approve_due
from gauntlet.workqueue.models import Assignment, AssignmentStatus
from gauntlet.workqueue.services import assignment_review
from tests.gauntlet.payments.conftest import ago

pytestmark = pytest.mark.django_db


def status_of(assignment: Assignment) -> str:
    return Assignment.objects.get(pk=assignment.pk).status


def test_due_work_is_approved_and_paid_by_the_system(queue_factory, work, contractor) -> None:
    queue = queue_factory(auto_approve_seconds=3600, pay_per_task=Decimal("0.20"))
    due = work(queue, contractor, submitted_at=ago(3601))
    fresh = work(queue, contractor, submitted_at=ago(60))
    assert auto_approve_due.apply().get() == 1
    assert (status_of(due), status_of(fresh)) == (AssignmentStatus.APPROVED, AssignmentStatus.SUBMITTED)
    entry = LedgerEntry.objects.get()
    assert (entry.assignment_id, entry.amount, entry.created_by) == (due.pk, Decimal("0.2000"), None)
    assert "auto" in entry.reason
    reviewed = Assignment.objects.get(pk=due.pk)
    assert reviewed.reviewed_by is None and reviewed.review_note == "auto-approved"


def test_running_it_again_changes_nothing(queue_factory, work, contractor) -> None:
    queue = queue_factory(auto_approve_seconds=10)
    work(queue, contractor, submitted_at=ago(100))
    assert auto_approve_due.apply().get() == 1
    assert auto_approve_due.apply().get() == 0
    assert LedgerEntry.objects.count() == 1


def test_work_a_manager_already_decided_is_left_alone(queue_factory, work, contractor, manager) -> None:
    queue = queue_factory(auto_approve_seconds=10)
    rejected = work(queue, contractor, submitted_at=ago(100))
    assignment_review(assignment=rejected, approved=False, reviewer=manager, note="wrong")
    assert auto_approve_due.apply().get() == 0
    assert status_of(rejected) == AssignmentStatus.REJECTED
    assert not LedgerEntry.objects.exists()


def test_queues_without_a_delay_use_the_global_default_or_never(
    queue_factory, work, contractor, settings
) -> None:
    queue = queue_factory(auto_approve_seconds=None)
    old = work(queue, contractor, submitted_at=ago(10 * 86400))
    settings.GAUNTLET_AUTO_APPROVE_SECONDS = None
    assert auto_approve_due.apply().get() == 0
    settings.GAUNTLET_AUTO_APPROVE_SECONDS = 86400
    assert auto_approve_due.apply().get() == 1
    assert status_of(old) == AssignmentStatus.APPROVED


def test_each_queue_uses_its_own_delay(queue_factory, work, contractor, other_contractor) -> None:
    quick = queue_factory(auto_approve_seconds=60)
    slow = queue_factory(auto_approve_seconds=86400)
    a = work(quick, contractor, submitted_at=ago(120))
    b = work(slow, other_contractor, submitted_at=ago(120))
    assert assignments_auto_approve_due(now=timezone.now()) == 1
    assert (status_of(a), status_of(b)) == (AssignmentStatus.APPROVED, AssignmentStatus.SUBMITTED)
    assert assignments_auto_approve_due(now=timezone.now() + dt.timedelta(days=1)) == 1
    assert status_of(b) == AssignmentStatus.APPROVED
