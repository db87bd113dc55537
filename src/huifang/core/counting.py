"""How many rows a list shows, without counting a million rows on every page view.

A list's rows are counted exactly when that is cheap: ``COUNT(*)`` over the query cut at
``EXACT_LIMIT + 1`` rows, given ``BUDGET`` seconds (a selective filter over a big table
may have to read far more rows than it keeps). Beyond the limit or the time, the count is
PostgreSQL's planner estimate for the same query (``EXPLAIN``); SQLite has none, so there
the page says only that there are many rows, and an exact count is one click away.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DatabaseError, OperationalError, connections, transaction
from django.db.models import QuerySet

EXACT_LIMIT = 100_000
BUDGET = 0.08  # seconds: list pages should stay well under 300 ms at 1M rows


@dataclass(frozen=True)
class RowCount:
    value: int | None  # None: not counted (too slow) and no estimate
    exact: bool = True
    at_least: bool = False  # more than ``value`` rows, how many more unknown

    def __str__(self) -> str:
        if self.value is None:
            return "很多"
        if self.exact:
            return f"{self.value:,}"
        if self.at_least:
            return f"{self.value:,} 以上"
        return f"约 {self.value:,}"


def count_rows(
    queryset: QuerySet, limit: int = EXACT_LIMIT, budget: float | None = BUDGET
) -> RowCount:
    """The number of rows of ``queryset``: exact up to ``limit`` rows and ``budget``
    seconds (``None``: no time limit), else an estimate where the database gives one."""
    queryset = queryset.order_by()
    try:
        with time_limit(queryset.db, budget):
            counted = queryset[: limit + 1].count()
    except OperationalError:  # out of time
        counted = None
    if counted is not None and counted <= limit:
        return RowCount(counted)
    estimate = planner_estimate(queryset)
    if estimate is not None and (counted is None or estimate > limit):
        return RowCount(round_estimate(estimate), exact=False)
    if counted is not None:
        return RowCount(limit, exact=False, at_least=True)
    return RowCount(None, exact=False)


@contextmanager
def time_limit(using: str, seconds: float | None) -> Iterator[None]:
    """Abort the queries run inside after ``seconds`` with an ``OperationalError``."""
    connection = connections[using]
    if seconds is None or connection.vendor not in ("sqlite", "postgresql"):
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        deadline = time.monotonic() + seconds
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
        yield
        cursor.execute("SET LOCAL statement_timeout TO DEFAULT")


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` returns; None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    try:
        plan = json.loads(queryset.explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])
    except (DatabaseError, LookupError, TypeError, ValueError):
        return None


def round_estimate(value: int) -> int:
    """Two significant digits: an estimate should not look exact."""
    digits = len(str(value)) - 2
    return round(value, -digits) if digits > 0 else value
