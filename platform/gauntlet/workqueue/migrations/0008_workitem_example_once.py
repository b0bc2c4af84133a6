# One example is in a queue once (issue 12 item 3). Hand-written data step, then the constraint.

import django.db.models.fields.json
from django.db import migrations, models
from django.db.models import Count, Min
from django.db.models.fields.json import KT


def mark_duplicates(apps, schema_editor):
    """Before the constraint: every queue holding one example more than once keeps its oldest item.

    A later copy nobody ever leased is deleted (nothing is lost: it has no assignment, label or
    pay). A copy with history is kept with every assignment, label and ledger row on it, marked
    ``duplicate_of`` (the item kept) so the constraint leaves it alone, and cancelled if it was
    still open, so nobody is offered the example twice again. Idempotent: a re-run finds no group.
    """
    WorkItem = apps.get_model("workqueue", "WorkItem")
    Assignment = apps.get_model("workqueue", "Assignment")
    items = (
        WorkItem.objects.filter(payload__has_key="example_id")
        .exclude(payload__has_key="duplicate_of")
        .annotate(example=KT("payload__example_id"))
    )
    groups = items.values("queue_id", "example").annotate(n=Count("id"), keep=Min("id")).filter(n__gt=1)
    for group in groups:
        copies = items.filter(queue_id=group["queue_id"], example=group["example"]).exclude(pk=group["keep"])
        for copy in copies:
            if not Assignment.objects.filter(item_id=copy.pk).exists():
                copy.delete()
                continue
            copy.payload = {**copy.payload, "duplicate_of": group["keep"]}
            if copy.state == "open":
                copy.state = "cancelled"
            copy.save(update_fields=["payload", "state"])


class Migration(migrations.Migration):
    dependencies = [
        ("workqueue", "0007_assignment_pay_snapshot"),
    ]

    operations = [
        migrations.RunPython(mark_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="workitem",
            constraint=models.UniqueConstraint(
                models.F("queue"),
                django.db.models.fields.json.KeyTextTransform("example_id", "payload"),
                condition=models.Q(("payload__has_key", "example_id"))
                & ~models.Q(("payload__has_key", "duplicate_of")),
                name="workitem_example_once_per_queue",
            ),
        ),
    ]
