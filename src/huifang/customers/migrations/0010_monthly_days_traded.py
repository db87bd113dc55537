"""交易天数 counts the days with 成交手数 > 0, not every daily row.

A daily row exists for every trading day on which the customer had a balance or activity
(data-interface.md, 逐日盯市), so a row with volume 0 is a day held, not a day traded. The
monthly aggregates kept the row count; this recounts them from the daily rows: one grouped
pass over the daily rows (no Python per row, no probe per aggregate row)."""

from django.db import migrations

RECOUNT = """
UPDATE customers_monthlyaggregate SET days = g.n
FROM (
    SELECT customer_id, {month} AS month, SUM({counted}) AS n
    FROM customers_dailybalance
    GROUP BY customer_id, {month}
) g
WHERE customers_monthlyaggregate.customer_id = g.customer_id
  AND customers_monthlyaggregate.month = g.month
"""


def _recount(schema_editor, counted: str) -> None:
    month = (
        "SUBSTR(trade_date, 1, 8) || '01'"  # dates are ISO text on SQLite
        if schema_editor.connection.vendor == "sqlite"
        else "CAST(DATE_TRUNC('month', trade_date) AS DATE)"
    )
    schema_editor.execute(RECOUNT.format(month=month, counted=counted))


def days_traded(apps, schema_editor):
    _recount(schema_editor, "CASE WHEN volume > 0 THEN 1 ELSE 0 END")


def every_row(apps, schema_editor):
    """Back to the old meaning: every daily row of the month."""
    _recount(schema_editor, "1")


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_customer_email_encrypted")]

    operations = [migrations.RunPython(days_traded, every_row)]
