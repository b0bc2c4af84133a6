"""Run by test_injury_on_sqlite.py inside ``manage.py shell`` on a fresh embedded (SQLite) database:
injury labels through the real services (claim, submit, consensus, escalation), which on PostgreSQL
take the hot path's combined statements and here the ORM; prints what was stored, as JSON."""

import json

from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User
from gauntlet.workqueue.models import QueueState, WorkItem
from gauntlet.workqueue.services import (
    assignment_claim,
    assignment_submit,
    items_add,
    queue_create,
    queue_set_state,
)
from labeling.models import Consensus, Label
from labeling.services.examples import example_create

manager = User.objects.create_user(email="m@example.com", role=Role.MANAGER)
raters = []
for n in range(4):
    rater = User.objects.create_user(email=f"r{n}@example.com", role=Role.CONTRACTOR)
    ContractorProfile.objects.create(user=rater, qualification=Qualification.QUALIFIED)
    raters.append(rater)

seen = {}
# One item per queue: agreed at once; a tie, escalated to four judgments, then decided.
for name, labels in (
    ("agreed", ["injurious", "injurious"]),
    ("tied", ["injurious", "not_injurious", "not_injurious", "unsure"]),
):
    queue = queue_set_state(
        queue=queue_create(created_by=manager, name=name, kind="injury_label", overlap=2,
                           kind_settings={"max_judgments": 4}),
        state=QueueState.OPEN,
    )  # fmt: skip
    example = example_create(
        prompt=f"Ann fed the {name} goat.", completion="It ate.", source="generator", batch="t"
    )
    items_add(queue=queue, items=[{"payload": {"example_id": example.pk}}])
    for rater, label in zip(raters, labels, strict=False):
        assignment = assignment_claim(queue=queue, contractor=rater)
        submitted = assignment_submit(assignment=assignment, contractor=rater, data={"label": label})
        assert submitted.status == "submitted", submitted.status
        again = assignment_submit(assignment=assignment, contractor=rater, data={"label": "unsure"})
        assert again.result == submitted.result  # a retried submit changes nothing
    item = WorkItem.objects.get(queue=queue)
    consensus = Consensus.objects.get(queue=queue)
    seen[name] = {
        "labels": sorted(Label.objects.filter(queue=queue).values_list("value", flat=True)),
        "item": [
            item.judgments_received,
            item.judgments_wanted,
            item.escalations,
            item.state,
            item.active_leases,
        ],
        "consensus": [
            consensus.label,
            consensus.decided,
            consensus.final,
            consensus.n_labels,
            consensus.item_id == item.pk,
        ],
    }
print(json.dumps(seen))
