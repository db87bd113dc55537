"""Monthly aggregates of daily rows, rebuilt set-based for the months an import touched.

Screening a year over ~78M daily rows would rescan every row; per customer and month the
sums are ~12 rows per customer. ``refresh_months`` rewrites the aggregate rows of the
given months from the daily rows in two statements (INSERT … SELECT … GROUP BY, then one
UPDATE for each month's first ``prev_equity``), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Min, Sum, Value
from django.db.models.functions import TruncMonth

from huifang.customers.models import DailyBalance, MonthlyAggregate


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    nxt = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return nxt - datetime.timedelta(days=1)


@transaction.atomic
def refresh_months(months: Iterable[datetime.date], customer_ids: Iterable[int] | None = None):
    """Rebuild the aggregates of ``months`` (any day inside each month), optionally only for
    some customers. Exact: sums are over integer fen."""
    months = sorted({month_start(m) for m in months})
    if not months:
        return
    ids = list(customer_ids) if customer_ids is not None else None
    for month in months:
        first, last = month, month_end(month)
        stale = MonthlyAggregate.objects.filter(month=month)
        daily = DailyBalance.objects.filter(trade_date__gte=first, trade_date__lte=last)
        if ids is not None:
            stale = stale.filter(customer_id__in=ids)
            daily = daily.filter(customer_id__in=ids)
        stale._raw_delete(stale.db)
        # The month is a constant per statement: SQLite would run TruncMonth per row in Python.
        grouped = (
            daily.order_by()
            .values("customer_id")
            .annotate(m=Value(month, output_field=DateField()))
            .annotate(
                n=Count("id"),
                v=Sum("volume"),
                p=Sum(F("close_pnl") + F("position_pnl") - F("fee")),
                f=Sum("fee"),
                dep=Sum("deposit"),
                wd=Sum("withdrawal"),
                first=Min("trade_date"),
                zero=Min("prev_equity") * 0,
            )
            .values_list("customer_id", "m", "n", "v", "p", "f", "dep", "wd", "first", "zero")
        )
        select_sql, params = grouped.query.sql_with_params()
        table = MonthlyAggregate._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (customer_id, month, days, volume, pnl, fee, deposit, "
                f"withdrawal, first_date, first_prev_equity) {select_sql}",
                params,
            )
            daily_table = DailyBalance._meta.db_table
            only, only_params = "", []
            if ids is not None:
                only = f" AND customer_id IN ({', '.join(['%s'] * len(ids))})"
                only_params = ids
            cursor.execute(
                f"UPDATE {table} SET first_prev_equity = ("
                f"SELECT d.prev_equity FROM {daily_table} d "
                f"WHERE d.customer_id = {table}.customer_id AND d.trade_date = {table}.first_date)"
                f" WHERE month = %s{only}",
                [month, *only_params],
            )


def refresh_all() -> None:
    """Rebuild every month that has daily rows (maintenance, after a restore)."""
    months = (
        DailyBalance.objects.annotate(m=TruncMonth("trade_date"))
        .values_list("m", flat=True)
        .distinct()
    )
    refresh_months(list(months))
