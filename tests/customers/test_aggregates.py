import datetime
from decimal import Decimal

import pytest

from huifang.customers import aggregates
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate

D = datetime.date


@pytest.fixture
def customer(branches):
    return Customer.objects.create(
        investor_code="000001",
        name="张三",
        customer_type="natural",
        open_date=D(2020, 1, 1),
        branch=branches["a1"],
    )


def row(customer, day, prev, close="0", pos="0", fee="0", dep="0", wd="0", vol=0):
    prev, close, pos, fee, dep, wd = map(Decimal, (prev, close, pos, fee, dep, wd))
    return DailyBalance.objects.create(
        customer=customer,
        trade_date=day,
        prev_equity=prev,
        close_pnl=close,
        position_pnl=pos,
        fee=fee,
        deposit=dep,
        withdrawal=wd,
        equity=prev + dep - wd + close + pos - fee,
        volume=vol,
    )


def test_month_aggregate_sums_exactly_and_keeps_the_first_rows_prev_equity(customer):
    row(customer, D(2025, 3, 4), "1000.10", close="-0.10", fee="0.01", vol=2)
    row(customer, D(2025, 3, 3), "500.00", pos="0.20", dep="500.00", vol=1)
    row(customer, D(2025, 4, 1), "999.00")
    aggregates.refresh_months([D(2025, 3, 15)])
    agg = MonthlyAggregate.objects.get(customer=customer, month=D(2025, 3, 1))
    assert agg.days == 2
    assert agg.volume == 3
    assert agg.pnl == Decimal("0.09")
    assert agg.deposit == Decimal("500.00")
    assert agg.first_date == D(2025, 3, 3)
    assert agg.first_prev_equity == Decimal("500.00")
    assert not MonthlyAggregate.objects.filter(month=D(2025, 4, 1)).exists()


def test_refreshing_again_replaces_rather_than_adds(customer):
    row(customer, D(2025, 3, 3), "100.00", close="5.00")
    aggregates.refresh_months([D(2025, 3, 1)])
    aggregates.refresh_months([D(2025, 3, 1)])
    assert MonthlyAggregate.objects.get().pnl == Decimal("5.00")


def test_a_month_counts_only_the_days_with_volume_as_days_traded(customer):
    row(customer, D(2025, 3, 3), "1000.00", vol=0)
    row(customer, D(2025, 3, 4), "1000.00", vol=3)
    aggregates.refresh_months([D(2025, 3, 1)])
    assert MonthlyAggregate.objects.get().days == 1


@pytest.mark.parametrize("one_day", [True, False])
def test_adding_rows_counts_only_the_days_with_volume(customer, one_day):
    row(customer, D(2025, 3, 3), "1000.00", vol=0)
    if not one_day:
        row(customer, D(2025, 3, 5), "1000.00", vol=4)
    aggregates.add_new_rows(DailyBalance._meta.db_table, one_day=one_day)
    assert MonthlyAggregate.objects.get().days == (0 if one_day else 1)


def test_the_migration_recounts_days_traded_from_the_daily_rows(customer):
    """customers 0010: aggregates kept before counted every daily row as a day traded."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("huifang.customers.migrations.0010_monthly_days_traded")

    class Editor:  # what the migration's RunPython functions use of a schema editor
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    row(customer, D(2025, 3, 3), "1000.00", vol=0)
    row(customer, D(2025, 3, 4), "1000.00", vol=3)
    row(customer, D(2025, 4, 1), "1000.00", vol=0)
    aggregates.refresh_months([D(2025, 3, 1), D(2025, 4, 1)])
    migration.every_row(apps, Editor())
    assert sorted(MonthlyAggregate.objects.values_list("days", flat=True)) == [1, 2]
    migration.days_traded(apps, Editor())
    assert dict(MonthlyAggregate.objects.values_list("month", "days")) == {
        D(2025, 3, 1): 1,
        D(2025, 4, 1): 0,
    }
