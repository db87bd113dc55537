import django.db.models.deletion
from django.db import migrations, models

from huifang.core.migration_ops import without_indexes


class Migration(migrations.Migration):
    """No separate index on the customer's branch: the (branch, investor_code) index
    serves the same lookups."""

    dependencies = [
        ("customers", "0005_monthly_updates_in_place"),
        ("org", "0001_initial"),
    ]

    operations = [
        without_indexes(
            [
                migrations.AlterField(
                    model_name="customer",
                    name="branch",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="customers",
                        to="org.branch",
                        verbose_name="部门",
                    ),
                ),
            ],
            [("customers_customer_branch_id_6f75e537", "customers_customer", "branch_id")],
        ),
    ]
