"""After an import the query planner has statistics for the tables it wrote
(``core.dbstats``): SQLite's ANALYZE (sampled, ``PRAGMA analysis_limit``) and ``PRAGMA
optimize``; PostgreSQL's ANALYZE once an import wrote more rows than autovacuum should wait
for."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from huifang.core import dbstats
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, DAILY_HEADER, DAILY_ROWS


def statistics(table: str) -> int:
    """How many statistics rows the planner holds for ``table``."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            exists = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            if cursor.execute(exists).fetchone() is None:
                return 0
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = %s", [table])
        return cursor.fetchone()[0]


@pytest.fixture
def small_imports_analysed(monkeypatch):
    # PostgreSQL analyses only big imports (autovacuum covers the rest): any size here.
    monkeypatch.setattr(dbstats, "POSTGRES_ANALYZE_ROWS", 0)


def test_an_import_leaves_statistics_for_the_table_it_wrote(
    branches, imp_write_csv, small_imports_analysed
):
    table = Customer._meta.db_table
    assert statistics(table) == 0

    call_command("import", "customers", str(imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS)))

    assert statistics(table) > 0


def test_a_daily_import_analyses_the_daily_rows_and_their_month_sums(
    branches, imp_write_csv, small_imports_analysed
):
    call_command("import", "customers", str(imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS)))
    call_command("import", "daily", str(imp_write_csv(DAILY_HEADER, DAILY_ROWS)))

    assert statistics(DailyBalance._meta.db_table) > 0
    assert statistics(MonthlyAggregate._meta.db_table) > 0


def test_a_small_import_on_postgresql_leaves_analyze_to_autovacuum(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "postgresql")
    ran: list[list[str]] = []
    monkeypatch.setattr(dbstats, "_run", lambda statements, *a: ran.append(statements))

    dbstats.after_import(["customers_customer"], rows=dbstats.POSTGRES_ANALYZE_ROWS)
    dbstats.after_import(["customers_customer"], rows=dbstats.POSTGRES_ANALYZE_ROWS + 1)

    assert ran == [['ANALYZE "customers_customer"']]
