"""Planner statistics. SQLite keeps none until ANALYZE runs, so after a big import it plans
a query from guesses; SQLite's advice is ``PRAGMA optimize`` now and then, which analyses
only the tables that need it, with ``PRAGMA analysis_limit`` keeping each ANALYZE to a
sample (about 1,000 rows an index: milliseconds, whatever the table's size).
PostgreSQL's autovacuum keeps statistics itself; a large import is analysed at once rather
than at autovacuum's next pass.

- :func:`after_import`: the tables an import wrote (end of every import).
- :func:`optimize`: ``PRAGMA optimize`` on SQLite (after ``huifang migrate``, after each
  background job of the worker, whose connection lives long).

Statistics are never worth failing for: an error is logged and the caller goes on."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction

log = logging.getLogger(__name__)

ANALYSIS_LIMIT = 1000
# PostgreSQL: rows written by one import above which its tables are analysed at once.
POSTGRES_ANALYZE_ROWS = 100_000


def after_import(tables: Iterable[str], rows: int) -> None:
    """Statistics for ``tables`` after an import wrote ``rows`` rows into them."""
    tables = sorted(set(tables))
    if connection.vendor == "sqlite":
        _run([f'ANALYZE "{table}"' for table in tables] + ["PRAGMA optimize"])
    elif connection.vendor == "postgresql" and rows > POSTGRES_ANALYZE_ROWS:
        _run([f'ANALYZE "{table}"' for table in tables])


def optimize(using: str = DEFAULT_DB_ALIAS) -> None:
    """``PRAGMA optimize`` on SQLite (other databases: nothing)."""
    if connections[using].vendor == "sqlite":
        _run(["PRAGMA optimize"], connections[using])


def _run(statements: list[str], connection=connection) -> None:
    # Inside a transaction (a test, a caller's atomic block) a savepoint keeps a failure
    # from breaking it; outside, each statement commits on its own (no write lock held
    # for a PRAGMA optimize that finds nothing to do).
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard, connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            for statement in statements:
                cursor.execute(statement)
    except DatabaseError:
        log.warning("更新查询统计信息失败（不影响已写入的数据）", exc_info=True)
