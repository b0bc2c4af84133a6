"""Run by test_money_on_sqlite.py inside ``manage.py shell`` on a fresh embedded (SQLite) database:
money through the real services (claim with its pay snapshot, approval, bonuses, payout rows);
prints how SQLite stored it and what the sums came back as, as JSON."""

import json
from decimal import Decimal

from django.db import connection

from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User
from gauntlet.payments.models import LedgerEntry
from gauntlet.payments.selectors import contractor_earnings, ledger_list, ledger_totals
from gauntlet.payments.services import bonus_grant
from gauntlet.workqueue import registry
from gauntlet.workqueue.models import Assignment
from gauntlet.workqueue.services import (
    assignment_claim,
    assignment_review,
    assignment_submit,
    items_add,
    queue_create,
)


class MoneyKind(registry.TaskKind):
    kind = "money_sqlite"


registry.register_kind(MoneyKind())
manager = User.objects.create_user(email="m@example.com", role=Role.MANAGER)
contractor = User.objects.create_user(email="c@example.com", role=Role.CONTRACTOR)
ContractorProfile.objects.create(
    user=contractor, qualification=Qualification.QUALIFIED, hourly_rate=Decimal("36.00"), currency="GBP"
)


def work(queue, active_seconds=0):
    items_add(queue=queue, items=[{"payload": {"n": 1}}])
    assignment = assignment_claim(queue=queue, contractor=contractor)
    assignment_submit(assignment=assignment, contractor=contractor, data={})
    Assignment.objects.filter(pk=assignment.pk).update(active_seconds=active_seconds)
    assignment_review(assignment=Assignment.objects.get(pk=assignment.pk), approved=True, reviewer=manager)
    return assignment


per_task = queue_create(
    created_by=manager, name="per task", kind="money_sqlite", state="open", overlap=1,
    pay_per_task=Decimal("0.0125"),
)  # fmt: skip
for _ in range(3):
    work(per_task)
hourly = queue_create(
    created_by=manager, name="hourly", kind="money_sqlite", state="open", overlap=1, pay_mode="hourly"
)
snapshot = work(hourly, active_seconds=100)
for amount in ("99999999.9999", "0.0001", "12345678.9012"):
    bonus_grant(contractor=contractor, amount=Decimal(amount), reason="big", created_by=manager)

with connection.cursor() as cursor:
    cursor.execute("SELECT DISTINCT typeof(amount) FROM payments_ledgerentry")
    ledger_types = sorted(row[0] for row in cursor.fetchall())
    cursor.execute(
        "SELECT typeof(pay_per_task), typeof(bonus_amount) FROM workqueue_queue WHERE id = %s", [per_task.pk]
    )
    queue_types = list(cursor.fetchone())
    cursor.execute(
        "SELECT typeof(pay_amount), pay_amount FROM workqueue_assignment WHERE id = %s", [snapshot.pk]
    )
    snapshot_type, snapshot_stored = cursor.fetchone()
    cursor.execute("SELECT typeof(hourly_rate) FROM accounts_contractorprofile")
    profile_types = [row[0] for row in cursor.fetchall()]

totals = ledger_totals(ledger_list(contractor_id=contractor.pk))
print(
    json.dumps(
        {
            "ledger_types": ledger_types,
            "queue_types": queue_types,
            "profile_types": profile_types,
            "snapshot": [
                snapshot_type,
                snapshot_stored,
                str(Assignment.objects.get(pk=snapshot.pk).pay_amount),
            ],
            "task_pay": sorted({str(e.amount) for e in LedgerEntry.objects.filter(kind="task_pay")}),
            "hourly_pay": [
                str(e.amount) + " " + e.currency for e in LedgerEntry.objects.filter(kind="hourly_pay")
            ],
            "by_currency": {r["currency"]: str(r["amount"]) for r in totals["by_currency"]},
            "earnings": {
                r["currency"]: str(r["approved"])
                for r in contractor_earnings(contractor=contractor)["totals"]
            },
            "queue_pay": str(type(per_task.__class__.objects.get(pk=per_task.pk).pay_per_task).__name__)
            + " "
            + str(per_task.__class__.objects.get(pk=per_task.pk).pay_per_task),
        }
    )
)
