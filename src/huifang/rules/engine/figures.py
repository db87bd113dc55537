"""Period figures per customer, exact for any period.

Whole calendar months inside the period are read from ``MonthlyAggregate`` (~12 rows per
customer a year) or, from January on, from ``YearlyAggregate`` (one row per customer and
year, less the year's later months when they are fewer); the partial months at either edge
from ``DailyBalance``. With
``use_aggregates=False`` every figure comes straight from the daily rows — the reference
path the property tests and the benchmark compare against.

The SQL returns one row per customer with rows in the period:
``customer_id, volume, pnl, deposit, withdrawal, days, first_date`` (money in fen).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection

from huifang.customers.aggregates import month_end, month_start
from huifang.customers.models import DailyBalance, MonthlyAggregate, YearlyAggregate

DAILY = DailyBalance._meta.db_table
MONTHLY = MonthlyAggregate._meta.db_table
YEARLY = YearlyAggregate._meta.db_table
SHARED = "shared_figures"  # the CTE of Context.shared_figures


@dataclass(frozen=True)
class Split:
    """A period cut into daily edges and a run of whole months."""

    daily: list[tuple[datetime.date, datetime.date]]
    months: tuple[datetime.date, datetime.date] | None  # first days of first/last month


def split_period(start: datetime.date, end: datetime.date) -> Split:
    if start > end:
        return Split([], None)
    first_full = start if start.day == 1 else month_end(start) + datetime.timedelta(days=1)
    last_full_end = end if end == month_end(end) else month_start(end) - datetime.timedelta(days=1)
    if first_full > last_full_end:
        return Split([(start, end)], None)
    daily = []
    if start < first_full:
        daily.append((start, first_full - datetime.timedelta(days=1)))
    if last_full_end < end:
        daily.append((last_full_end + datetime.timedelta(days=1), end))
    return Split(daily, (first_full, month_start(last_full_end)))


def figures_sql(
    start: datetime.date,
    end: datetime.date,
    *,
    use_aggregates: bool = True,
    only_customers: tuple[str, list] | None = None,
    ids: tuple[int, int] | None = None,
) -> tuple[str, list]:
    """``SELECT customer_id, volume, pnl, deposit, withdrawal, days, first_date`` grouped
    by customer over ``[start, end]``. ``only_customers`` is an ``(IN-subquery, params)``
    limiting the customers read; ``ids`` (lowest, highest) bounds their ids (a part's, read
    in the order of the customer key)."""

    def restrict(column: str) -> tuple[str, list]:
        sql, params = "", []
        if only_customers is not None:
            sql = f" AND {column} IN ({only_customers[0]})"
            params = list(only_customers[1])
        if ids is not None:
            sql += f" AND {column} >= %s AND {column} <= %s"
            params += list(ids)
        return sql, params

    restrict_sql, restrict_params = restrict("customer_id")
    if not use_aggregates:
        sql = (
            "SELECT customer_id, SUM(volume) AS volume, "
            "SUM(close_pnl + position_pnl - fee) AS pnl, SUM(deposit) AS deposit, "
            "SUM(withdrawal) AS withdrawal, SUM(CASE WHEN volume > 0 THEN 1 ELSE 0 END) AS days, "
            "MIN(trade_date) AS first_date "
            f"FROM {DAILY} WHERE trade_date >= %s AND trade_date <= %s{restrict_sql} "
            "GROUP BY customer_id"
        )
        return sql, [start, end, *restrict_params]
    split = split_period(start, end)
    parts, params = [], []
    for low, high in split.daily:
        parts.append(
            "SELECT customer_id, volume, close_pnl + position_pnl - fee AS pnl, deposit, "
            "withdrawal, CASE WHEN volume > 0 THEN 1 ELSE 0 END AS days, trade_date AS first_date "
            f"FROM {DAILY} WHERE trade_date >= %s AND trade_date <= %s{restrict_sql}"
        )
        params += [low, high, *restrict_params]
    if split.months is not None:
        years = list(_years(*split.months))
        for first, last in years:
            sql, more = _months_sql(first, last, restrict, alone=not parts and len(years) == 1)
            parts.append(sql)
            params += more
    if not parts:
        parts.append(
            "SELECT customer_id, volume, 0 AS pnl, deposit, withdrawal, 1 AS days, "
            f"trade_date AS first_date FROM {DAILY} WHERE 1 = 0"
        )
    union = " UNION ALL ".join(parts)
    sql = (
        "SELECT customer_id, SUM(volume) AS volume, SUM(pnl) AS pnl, SUM(deposit) AS deposit, "
        "SUM(withdrawal) AS withdrawal, SUM(days) AS days, MIN(first_date) AS first_date "
        f"FROM ({union}) parts GROUP BY customer_id"
    )
    return sql, params


def _years(first: datetime.date, last: datetime.date):
    """The run of months ``[first, last]`` (first days) cut at the turns of the year."""
    while first <= last:
        end = min(last, first.replace(month=12))
        yield first, end
        first = end.replace(year=end.year + 1, month=1)


def _months_sql(first, last, restrict, *, alone: bool):
    """The figures of whole months ``[first, last]`` within one year, one row per customer
    and month read (a SELECT for the UNION of :func:`figures_sql`, and its params).

    From January on, the year's row (``YearlyAggregate``: one row per customer instead of
    up to twelve) less the months after ``last`` when those are fewer than the months up to
    it — none when ``last`` is December or no later month has rows yet. Exact: the sums
    subtract, and the year's first day is the months' first day when it lies within them
    (the customer has no row in them otherwise)."""
    restrict_sql, restrict_params = restrict("customer_id")
    after = 12 - last.month
    if first.month == 1 and after < last.month:
        sums = ("volume", "pnl", "deposit", "withdrawal", "days")
        less = (
            (lambda c: f"y.{c} - COALESCE(l.{c}, 0) AS {c}")
            if after
            else (lambda c: f"y.{c} AS {c}")
        )
        sql = f"SELECT y.customer_id, {', '.join(map(less, sums))}, y.first_date FROM {YEARLY} y"
        params: list = []
        if after:
            sql += (
                " LEFT JOIN (SELECT customer_id, SUM(volume) AS volume, SUM(pnl) AS pnl, "
                "SUM(deposit) AS deposit, SUM(withdrawal) AS withdrawal, SUM(days) AS days "
                f"FROM {MONTHLY} WHERE month > %s AND month <= %s{restrict_sql} "
                "GROUP BY customer_id) l ON l.customer_id = y.customer_id"
            )
            params += [last, last.replace(month=12), *restrict_params]
        year_sql, year_params = restrict("y.customer_id")
        sql += f" WHERE y.year = %s AND y.first_date <= %s{year_sql}"
        params += [first, month_end(last), *year_params]
        return sql, params
    # *vendor*: whole months alone (D at a month's end) are grouped in the order of the
    # (customer, month) key on SQLite, which otherwise takes the month index and sorts
    # every row to group them. ``+month`` only keeps SQLite from using the month index
    # for the range.
    month = "+month" if connection.vendor == "sqlite" and alone else "month"
    return (
        "SELECT customer_id, volume, pnl, deposit, withdrawal, days, first_date "
        f"FROM {MONTHLY} WHERE {month} >= %s AND {month} <= %s{restrict_sql}",
        [first, last, *restrict_params],
    )


def period_figures(ctx, start: datetime.date, end: datetime.date) -> tuple[str, list]:
    """:func:`figures_sql` for a rule reading ``[start, end]`` in ``ctx``: a read of the
    statement's shared CTE when ``ctx`` holds that period's figures already (computed once
    for the rule and the screening's year columns), else the figures' own SELECT."""
    if ctx.shared_figures == (start, end):
        return f"SELECT * FROM {SHARED}", []
    return figures_sql(start, end, use_aggregates=ctx.use_aggregates, ids=part_ids(ctx))


def part_ids(ctx) -> tuple[int, int] | None:
    """The id range of the customers ``ctx`` screens a part of (None: all customers)."""
    return None if ctx.part is None else ctx.part.ids


def base_expr(alias: str) -> str:
    """A002's base: the first row's prev_equity (one index lookup) + Σdeposit."""
    return (
        f"((SELECT d.prev_equity FROM {DAILY} d WHERE d.customer_id = {alias}.customer_id "
        f"AND d.trade_date = {alias}.first_date) + {alias}.deposit)"
    )
