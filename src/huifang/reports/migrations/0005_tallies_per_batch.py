from django.db import migrations, models

# The counters per batch (``reports.tallies``): TaskTally's kinds BATCH_RULE (a batch's
# tasks per 命中规则) and CLOSED (a batch's closed tasks per 关闭日期, with its new key
# column ``closed_day``), and RecordTally's ``batch_id`` (a batch's records). A unique key
# cannot be altered in place on SQLite: both tables are created afresh with the new key,
# their triggers put back and filled from the existing tasks, links, rules and records.


def recreate(apps, schema_editor):
    from huifang.reports import tallies

    connection = schema_editor.connection
    tallies.drop(connection)
    tallies.create_tables(connection)
    tallies.install(connection)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_tallies")]

    operations = [
        migrations.AddField(
            model_name="tasktally",
            name="closed_day",
            field=models.DateField(default="9999-12-31"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="recordtally",
            name="batch_id",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        # Backwards the tables keep their new shape (0004's reverse drops them).
        migrations.RunPython(recreate, migrations.RunPython.noop),
    ]
