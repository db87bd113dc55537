"""The daily table is keyed (trade_date, customer) with no per-customer index; one
customer's rows are read by probing that key day by day (docs/performance.md)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from huifang.customers import aggregates
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate

D = datetime.date


def make_customer(branch, code):
    return Customer.objects.create(
        investor_code=code,
        name=f"客户{code}",
        customer_type="natural",
        open_date=D(2020, 1, 1),
        branch=branch,
    )


def day_row(customer, day, pnl="0"):
    return DailyBalance.objects.create(
        customer=customer,
        trade_date=day,
        prev_equity=Decimal("100.00"),
        close_pnl=Decimal(pnl),
        equity=Decimal("100.00") + Decimal(pnl),
    )


@pytest.fixture
def two(branches):
    first = make_customer(branches["a1"], "000001")
    second = make_customer(branches["a1"], "000002")
    for day in (D(2024, 12, 31), D(2025, 1, 2), D(2025, 3, 3), D(2025, 12, 31)):
        day_row(first, day, "1.00")
        day_row(second, day, "2.00")
    return first, second


def test_of_customer_returns_exactly_that_customers_rows_in_the_period(two):
    first, _ = two
    rows = DailyBalance.objects.of_customer(first, D(2025, 1, 1), D(2025, 3, 3))
    assert [(r.customer_id, r.trade_date) for r in rows.order_by("trade_date")] == [
        (first.pk, D(2025, 1, 2)),
        (first.pk, D(2025, 3, 3)),
    ]


def test_of_customer_with_open_ends_spans_the_tables_first_and_last_date(two):
    _, second = two
    dates = list(
        DailyBalance.objects.of_customer(second)
        .order_by("trade_date")
        .values_list("trade_date", flat=True)
    )
    assert dates == [D(2024, 12, 31), D(2025, 1, 2), D(2025, 3, 3), D(2025, 12, 31)]


def test_of_customer_on_an_empty_table_is_empty(branches):
    customer = make_customer(branches["a1"], "000009")
    assert not DailyBalance.objects.of_customer(customer).exists()


def test_one_customers_rows_are_read_through_the_date_customer_key(two):
    first, _ = two
    rows = DailyBalance.objects.of_customer(first, D(2025, 1, 1), D(2025, 12, 31))
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            # SQLite names a table's inline UNIQUE key sqlite_autoindex_…
            assert "SEARCH customers_dailybalance USING INDEX" in plan
            assert "(trade_date=? AND customer_id=?)" in plan
        else:  # a tiny table: forbid the sequential scan a planner would rightly prefer
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "daily_date_customer" in plan
            assert "customer_id =" in plan


def test_refreshing_months_for_listed_customers_rebuilds_only_them(two):
    first, second = two
    aggregates.refresh_months([D(2025, 3, 1)])
    DailyBalance.objects.filter(customer=first, trade_date=D(2025, 3, 3)).update(
        close_pnl=Decimal("7.00"), equity=Decimal("107.00")
    )
    DailyBalance.objects.filter(customer=second, trade_date=D(2025, 3, 3)).update(
        close_pnl=Decimal("9.00"), equity=Decimal("109.00")
    )
    aggregates.refresh_months([D(2025, 3, 1)], [first.pk])
    sums = dict(
        MonthlyAggregate.objects.filter(month=D(2025, 3, 1)).values_list("customer_id", "pnl")
    )
    assert sums == {first.pk: Decimal("7.00"), second.pk: Decimal("2.00")}


def test_monthly_rows_update_in_place_without_a_separate_customer_index(db):
    table = MonthlyAggregate._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
            assert "fillfactor=70" in cursor.fetchone()[0]
    single = [c for c in constraints.values() if c["index"] and c["columns"] == ["customer_id"]]
    assert single == []
    assert any(
        c["unique"] and c["columns"] == ["customer_id", "month"] for c in constraints.values()
    )
