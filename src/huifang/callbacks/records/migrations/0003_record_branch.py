"""The record's branch, denormalised from its task (which never changes branch): filled
set-based in one UPDATE. The next migration makes it NOT NULL and indexes it."""

import django.db.models.deletion
from django.db import migrations, models

FILL = (
    "UPDATE records_callbackrecord SET branch_id = ("
    "SELECT t.branch_id FROM callbacks_callbacktask t WHERE t.id = records_callbackrecord.task_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("records", "0002_seed_failure_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="callbackrecord",
            name="branch",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.branch",
                verbose_name="营业部",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
    ]
