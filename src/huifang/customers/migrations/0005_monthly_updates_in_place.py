import django.db.models.deletion
from django.db import migrations, models


def leave_room_on_postgresql(apps, schema_editor):
    """Every night updates ~300k monthly rows in place. On PostgreSQL an update writes a
    new row version: with room left on the page (fillfactor) and no indexed column changed
    it stays a heap-only tuple, and none of the table's indexes is touched."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE customers_monthlyaggregate SET (fillfactor = 70)")


def fill_pages_again(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE customers_monthlyaggregate RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_daily_date_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="monthlyaggregate",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="customers.customer",
            ),
        ),
        migrations.RunPython(leave_room_on_postgresql, fill_pages_again),
    ]
