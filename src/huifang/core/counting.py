"""How many rows a list shows, without counting a million rows on every page view.

Up to ``EXACT_LIMIT`` rows are counted exactly: ``COUNT(*)`` over the query cut at
``EXACT_LIMIT + 1`` rows reads at most that many index entries, whatever the table's size.
Beyond it the count is an estimate: PostgreSQL's planner's row estimate for the same query
(``EXPLAIN``), and where the database has none (SQLite) the limit as a lower bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.db.models import QuerySet

EXACT_LIMIT = 100_000


@dataclass(frozen=True)
class RowCount:
    value: int
    exact: bool = True
    at_least: bool = False  # no estimate: more than ``value`` rows

    def __str__(self) -> str:
        if self.exact:
            return f"{self.value:,}"
        if self.at_least:
            return f"{self.value:,} 以上"
        return f"约 {self.value:,}"


def count_rows(queryset: QuerySet, limit: int = EXACT_LIMIT) -> RowCount:
    """The number of rows of ``queryset``: exact up to ``limit``, else an estimate."""
    queryset = queryset.order_by()
    counted = queryset[: limit + 1].count()
    if counted <= limit:
        return RowCount(counted)
    estimate = planner_estimate(queryset)
    if estimate is None or estimate <= limit:
        return RowCount(limit, exact=False, at_least=True)
    return RowCount(round_estimate(estimate), exact=False)


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` returns; None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    try:
        plan = json.loads(queryset.explain(format="json"))
    except (DatabaseError, ValueError, TypeError):
        return None
    try:
        return int(plan[0]["Plan"]["Plan Rows"])
    except (LookupError, TypeError, ValueError):
        return None


def round_estimate(value: int) -> int:
    """Two significant digits: an estimate should not look exact."""
    digits = len(str(value)) - 2
    return round(value, -digits) if digits > 0 else value
