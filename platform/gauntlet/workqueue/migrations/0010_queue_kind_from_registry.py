# A queue's kind choices are the registered task kinds (gauntlet.workqueue.registry), not a
# list of their own: no schema change, the choices are read when they are needed.

import gauntlet.workqueue.registry
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workqueue", "0009_assignment_last_active"),
    ]

    operations = [
        migrations.AlterField(
            model_name="queue",
            name="kind",
            field=models.CharField(choices=gauntlet.workqueue.registry.kind_choices, max_length=32),
        ),
    ]
