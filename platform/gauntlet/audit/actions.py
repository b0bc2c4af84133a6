"""The actions an audit record names. A plain string column, so an app can add its own without a
migration; these are the ones the platform writes."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    CONTRACTOR_QUALIFICATION = "contractor.qualification"  # qualified / probation (not a block)
    CONTRACTOR_BLOCK = "contractor.block"  # qualification became blocked
    CONTRACTOR_ACTIVE = "contractor.active"  # the profile's active flag
    CONTRACTOR_PAY = "contractor.hourly_rate"
    QUEUE_CREATE = "queue.create"
    QUEUE_STATE = "queue.state"
    QUEUE_PAY = "queue.pay"  # pay mode, rates, bonus, currency
    QUEUE_SETTINGS = "queue.settings"  # any other edit: kind, overlap, gold rate, lease, eligibility
    CLASSIFIER_PROMOTE = "classifier.promote"
    CLASSIFIER_THRESHOLD = "classifier.threshold"
