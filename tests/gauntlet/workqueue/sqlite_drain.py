"""Run by test_sqlite.py inside ``manage.py shell`` on a fresh embedded (SQLite) database:
threads drain a queue with claim + submit; prints the counts as JSON."""

import json
import threading

from django.db import connection
from django.db.models import F

from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User
from gauntlet.workqueue.models import Assignment, Queue, QueueState, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_submit

queue = Queue.objects.create(name="sqlite", kind="sqlite_test", state=QueueState.OPEN, overlap=2)
WorkItem.objects.bulk_create([WorkItem(queue=queue, payload={"n": n}, judgments_wanted=2) for n in range(40)])
contractors = []
for n in range(6):
    user = User.objects.create_user(email=f"c{n}@example.com", role=Role.CONTRACTOR)
    ContractorProfile.objects.create(user=user, qualification=Qualification.QUALIFIED)
    contractors.append(user)
errors = []


def drain(contractor):
    try:
        while (assignment := assignment_claim(queue=queue, contractor=contractor)) is not None:
            assignment_submit(assignment=assignment, contractor=contractor, data={"answer": "yes"})
    except Exception as exc:  # reported below
        errors.append(repr(exc))
    finally:
        connection.close()


threads = [threading.Thread(target=drain, args=(c,)) for c in contractors]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
pairs = Assignment.objects.values_list("item_id", "contractor_id")
print(
    json.dumps(
        {
            "errors": errors,
            "submitted": Assignment.objects.filter(status="submitted").count(),
            "pairs_twice": len(pairs) - len(set(pairs)),
            "overfilled": WorkItem.objects.filter(judgments_received__gt=F("judgments_wanted")).count(),
            "incomplete": WorkItem.objects.exclude(state="complete").count(),
            "leases_left": WorkItem.objects.exclude(active_leases=0).count(),
        }
    )
)
