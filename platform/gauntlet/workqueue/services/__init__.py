"""Writes of the work-queue engine (see DESIGN.md, "Rules that keep it honest").

Import from here: ``from gauntlet.workqueue.services import assignment_claim``.
"""

from gauntlet.workqueue.services.assignments import (
    assignment_heartbeat,
    assignment_release,
    assignment_submit,
)
from gauntlet.workqueue.services.claiming import assignment_claim, queue_claim
from gauntlet.workqueue.services.leases import items_release_leases, leases_expire
from gauntlet.workqueue.services.queue_audit import queue_change_record
from gauntlet.workqueue.services.queue_edit import queue_update
from gauntlet.workqueue.services.queues import (
    ItemsAdded,
    items_add,
    items_add_report,
    queue_create,
    queue_set_state,
)
from gauntlet.workqueue.services.review import (
    assignment_review,
    assignments_review_bulk,
    contractor_block,
    contractor_leases_release,
)

__all__ = [
    "ItemsAdded",
    "assignment_claim",
    "assignment_heartbeat",
    "assignment_release",
    "assignment_review",
    "assignment_submit",
    "assignments_review_bulk",
    "contractor_block",
    "contractor_leases_release",
    "items_add",
    "items_add_report",
    "items_release_leases",
    "leases_expire",
    "queue_change_record",
    "queue_claim",
    "queue_create",
    "queue_set_state",
    "queue_update",
]
