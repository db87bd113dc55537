"""Monthly aggregates of daily rows, kept set-based by the daily import.

Screening a year over ~78M daily rows would rescan every row; per customer and month the
sums are ~12 rows per customer. ``refresh_months`` rewrites the aggregate rows of the
given months from the daily rows: per month one DELETE and one INSERT … SELECT … GROUP BY
(the month's first ``prev_equity`` looked up by the unique index), on SQLite and
PostgreSQL alike. An import that only adds rows calls ``add_new_rows`` instead: the new
rows' sums are added to what is there (an upsert), exact while the aggregates were.

Per customer and year, ``YearlyAggregate`` holds the sums of the year's months, kept by
the same two functions in the same transaction: ``refresh_months`` rebuilds the years of
the months it rebuilt from their monthly rows, ``add_new_rows`` adds the new rows' sums to
their year too. Screening a year to D then reads one row per customer, not twelve.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.functions import TruncMonth

from huifang.customers.models import DailyBalance, MonthlyAggregate, YearlyAggregate


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
    if ids is not None and not ids:
        return
    table = MonthlyAggregate._meta.db_table
    only, only_params = "", []
    if ids is not None:
        only = f" AND customer_id IN ({', '.join(['%s'] * len(ids))})"
        only_params = ids
    with connection.cursor() as cursor:
        for month in months:
            days = [month + datetime.timedelta(days=n) for n in range(month_end(month).day)]
            if ids is None:  # the whole month: one range of the (trade_date, customer) key
                rows, rows_params = "trade_date >= %s AND trade_date <= %s", [month, days[-1]]
            else:  # listed customers: one key probe per (day, customer)
                rows = f"trade_date IN ({', '.join(['%s'] * len(days))}){only}"
                rows_params = [*days, *only_params]
            cursor.execute(f"DELETE FROM {table} WHERE month = %s{only}", [month, *only_params])
            cursor.execute(
                _REBUILD.format(aggregate=table, daily=DailyBalance._meta.db_table, rows=rows),
                [month, *rows_params],
            )
        for year in sorted({m.replace(month=1) for m in months}):
            rebuild_year(cursor, year, only, only_params)


def rebuild_year(cursor, year: datetime.date, only: str = "", only_params=()) -> None:
    """The year's ``YearlyAggregate`` rows (``only``: of some customers) rebuilt from its
    monthly rows: exact while those are."""
    table = YearlyAggregate._meta.db_table
    cursor.execute(f"DELETE FROM {table} WHERE year = %s{only}", [year, *only_params])
    cursor.execute(
        f"INSERT INTO {table} (customer_id, year, days, volume, pnl, deposit, withdrawal, "
        "first_date) "
        "SELECT customer_id, %s, SUM(days), SUM(volume), SUM(pnl), SUM(deposit), "
        "SUM(withdrawal), MIN(first_date) "
        f"FROM {MonthlyAggregate._meta.db_table} WHERE month >= %s AND month <= %s{only} "
        "GROUP BY customer_id",
        [year, year, year.replace(month=12), *only_params],
    )


# One month's rows, in one statement, read through the (trade_date, customer) key; the
# month's first row's prev_equity is one probe of that key per customer.
_REBUILD = """
INSERT INTO {aggregate} (customer_id, month, days, volume, pnl, fee, deposit, withdrawal,
                         first_date, first_prev_equity)
SELECT g.customer_id, %s, g.days, g.volume, g.pnl, g.fee, g.deposit, g.withdrawal, g.first_date,
       (SELECT d.prev_equity FROM {daily} d
        WHERE d.customer_id = g.customer_id AND d.trade_date = g.first_date)
FROM (
    SELECT customer_id, SUM(CASE WHEN volume > 0 THEN 1 ELSE 0 END) AS days,
           SUM(volume) AS volume,
           SUM(close_pnl + position_pnl - fee) AS pnl, SUM(fee) AS fee,
           SUM(deposit) AS deposit, SUM(withdrawal) AS withdrawal, MIN(trade_date) AS first_date
    FROM {daily}
    WHERE {rows}
    GROUP BY customer_id
) g
"""


@transaction.atomic
def add_new_rows(source: str, where: str = "TRUE", *, one_day: bool = False) -> None:
    """Fold daily rows that were just inserted into the aggregates, in one statement.

    ``source`` is a table with DailyBalance's column names (the import's staging table);
    the rows matching ``where`` must be exactly the daily rows added since the aggregates
    were last exact. Then adding their sums is exact, and costs the new rows only instead
    of re-reading every row of the months they fall in (a big firm's month holds ~6M).
    ``one_day``: the rows are of one trading day, so each is its customer's only row of
    the month among them: no grouping, and the row's own prev_equity is the first one."""
    sqlite = connection.vendor == "sqlite"
    month = (
        "SUBSTR(s.trade_date, 1, 8) || '01'"  # ISO text on SQLite
        if sqlite
        else "CAST(DATE_TRUNC('month', s.trade_date) AS DATE)"
    )
    year = (
        "SUBSTR(s.trade_date, 1, 5) || '01-01'"
        if sqlite
        else "CAST(DATE_TRUNC('year', s.trade_date) AS DATE)"
    )
    table = MonthlyAggregate._meta.db_table
    rows = _ONE_DAY if one_day else _GROUPED
    sql = (rows + _UPSERT).format(
        aggregate=table, daily=DailyBalance._meta.db_table, source=source, where=where, month=month
    )
    yearly = (_YEAR_ONE_DAY if one_day else _YEAR_GROUPED) + _YEAR_UPSERT
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(
            yearly.format(
                aggregate=YearlyAggregate._meta.db_table, source=source, where=where, year=year
            )
        )


_INTO = """
INSERT INTO {aggregate} AS a (customer_id, month, days, volume, pnl, fee, deposit, withdrawal,
                              first_date, first_prev_equity)
"""
_GROUPED = (
    _INTO
    + """
SELECT g.customer_id, g.month, g.days, g.volume, g.pnl, g.fee, g.deposit, g.withdrawal,
       g.first_date,
       (SELECT d.prev_equity FROM {daily} d
        WHERE d.customer_id = g.customer_id AND d.trade_date = g.first_date)
FROM (
    SELECT s.customer_id, {month} AS month, SUM(CASE WHEN s.volume > 0 THEN 1 ELSE 0 END) AS days,
           SUM(s.volume) AS volume,
           SUM(s.close_pnl + s.position_pnl - s.fee) AS pnl, SUM(s.fee) AS fee,
           SUM(s.deposit) AS deposit, SUM(s.withdrawal) AS withdrawal,
           MIN(s.trade_date) AS first_date
    FROM {source} s
    WHERE {where}
    GROUP BY s.customer_id, {month}
) g
WHERE TRUE
"""
)
_ONE_DAY = (
    _INTO
    + """
SELECT s.customer_id, {month}, CASE WHEN s.volume > 0 THEN 1 ELSE 0 END, s.volume, s.close_pnl + s.position_pnl - s.fee, s.fee,
       s.deposit, s.withdrawal, s.trade_date, s.prev_equity
FROM {source} s
WHERE {where}
"""
)


# (SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT.) A month's or a year's first
# row only moves when the new rows start earlier (a late correction file).
def _upsert(key: str, sums: tuple[str, ...], firsts: tuple[str, ...]) -> str:
    """``ON CONFLICT (customer_id, key)``: the ``sums`` added; the ``firsts`` (the first
    row's values) taken from the new rows when they start earlier."""
    sets = [f"{c} = a.{c} + excluded.{c}" for c in sums] + [
        f"{c} = CASE WHEN excluded.first_date < a.first_date THEN excluded.{c} ELSE a.{c} END"
        for c in firsts
    ]
    return f"\nON CONFLICT (customer_id, {key}) DO UPDATE SET\n    " + ",\n    ".join(sets) + "\n"


SUMS = ("days", "volume", "pnl", "deposit", "withdrawal")
_UPSERT = _upsert("month", (*SUMS, "fee"), ("first_prev_equity", "first_date"))


_YEAR_INTO = """
INSERT INTO {aggregate} AS a (customer_id, year, days, volume, pnl, deposit, withdrawal,
                              first_date)
"""
_YEAR_GROUPED = (
    _YEAR_INTO
    + """
SELECT g.customer_id, g.year, g.days, g.volume, g.pnl, g.deposit, g.withdrawal, g.first_date
FROM (
    SELECT s.customer_id, {year} AS year, SUM(CASE WHEN s.volume > 0 THEN 1 ELSE 0 END) AS days,
           SUM(s.volume) AS volume, SUM(s.close_pnl + s.position_pnl - s.fee) AS pnl,
           SUM(s.deposit) AS deposit, SUM(s.withdrawal) AS withdrawal,
           MIN(s.trade_date) AS first_date
    FROM {source} s
    WHERE {where}
    GROUP BY s.customer_id, {year}
) g
WHERE TRUE
"""
)
_YEAR_ONE_DAY = (
    _YEAR_INTO
    + """
SELECT s.customer_id, {year}, CASE WHEN s.volume > 0 THEN 1 ELSE 0 END, s.volume,
       s.close_pnl + s.position_pnl - s.fee, s.deposit, s.withdrawal, s.trade_date
FROM {source} s
WHERE {where}
"""
)
_YEAR_UPSERT = _upsert("year", SUMS, ("first_date",))


def refresh_all() -> None:
    """Rebuild every month that has daily rows (maintenance, after a restore)."""
    months = (
        DailyBalance.objects.annotate(m=TruncMonth("trade_date"))
        .values_list("m", flat=True)
        .distinct()
    )
    refresh_months(list(months))
