"""The yearly aggregates (``YearlyAggregate``): per customer and year, the sums of its
monthly aggregates, filled from the monthly rows already there (one grouped pass) and kept
by ``customers.aggregates`` from now on."""

import django.db.models.deletion
from django.db import migrations, models

import huifang.core.fields

FILL = """
INSERT INTO customers_yearlyaggregate (customer_id, year, days, volume, pnl, deposit,
                                       withdrawal, first_date)
SELECT customer_id, {year}, SUM(days), SUM(volume), SUM(pnl), SUM(deposit), SUM(withdrawal),
       MIN(first_date)
FROM customers_monthlyaggregate
GROUP BY customer_id, {year}
"""


def fill(apps, schema_editor):
    year = (
        "SUBSTR(month, 1, 5) || '01-01'"  # dates are ISO text on SQLite
        if schema_editor.connection.vendor == "sqlite"
        else "CAST(DATE_TRUNC('year', month) AS DATE)"
    )
    schema_editor.execute(FILL.format(year=year))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_mask_import_reports"),
    ]

    operations = [
        migrations.CreateModel(
            name="YearlyAggregate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.DateField(verbose_name="年份")),
                ("days", models.PositiveIntegerField(default=0, verbose_name="交易天数")),
                ("volume", models.BigIntegerField(default=0, verbose_name="成交手数")),
                ("pnl", huifang.core.fields.MoneyField(default=0, verbose_name="盈亏")),
                ("deposit", huifang.core.fields.MoneyField(default=0, verbose_name="入金")),
                ("withdrawal", huifang.core.fields.MoneyField(default=0, verbose_name="出金")),
                ("first_date", models.DateField(verbose_name="首个交易日")),
                (
                    "customer",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "年度汇总",
                "verbose_name_plural": "年度汇总",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("customer", "year"), name="yearly_customer_year"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
