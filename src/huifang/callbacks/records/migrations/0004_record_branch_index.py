"""The record's branch is required (the services set it) and indexed with the list's sort
key: a separate migration so PostgreSQL does not alter a table with pending FK checks from
the fill."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("records", "0003_record_branch")]

    operations = [
        migrations.AlterField(
            model_name="callbackrecord",
            name="branch",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.branch",
                verbose_name="营业部",
            ),
        ),
        migrations.AddIndex(
            model_name="callbackrecord",
            index=models.Index(fields=["branch", "called_at"], name="record_branch_called"),
        ),
    ]
