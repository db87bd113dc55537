import datetime
from decimal import Decimal

import pytest

from huifang.customers import aggregates
from huifang.customers.importers import import_file
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate, YearlyAggregate

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


YEARLY_FIELDS = ("days", "volume", "pnl", "deposit", "withdrawal")


def yearly_rows() -> dict:
    return {
        (y.customer_id, y.year): (*(getattr(y, f) for f in YEARLY_FIELDS), y.first_date)
        for y in YearlyAggregate.objects.all()
    }


def sums_of_the_months() -> dict:
    """What the yearly rows must hold: the sums of each customer's months, year by year."""
    out: dict = {}
    for m in MonthlyAggregate.objects.order_by("month"):
        key = (m.customer_id, m.month.replace(month=1))
        sums = [getattr(m, f) for f in YEARLY_FIELDS]
        if key in out:
            *before, first = out[key]
            sums = [a + b for a, b in zip(before, sums, strict=True)]
            out[key] = (*sums, min(first, m.first_date))
        else:
            out[key] = (*sums, m.first_date)
    return out


def test_every_import_that_changes_a_month_keeps_its_year_equal_to_the_months(
    imp_customers, imp_write_csv
):
    """The yearly aggregates follow the monthly ones through each daily import path: new
    rows (one day, several days), earlier days, a new year, corrections of held rows."""
    from tests.customers.conftest import DAILY_HEADER
    from tests.customers.test_import_daily_fast import day_rows

    codes = ["00000101", "00000102", "00000103"]
    files = [
        day_rows(D(2025, 3, 5), codes, 100_000),  # one day: the one-day upsert
        day_rows(D(2025, 3, 6), codes[1:], 200_000) + day_rows(D(2025, 11, 3), codes[:1], 9_000),
        day_rows(D(2025, 2, 3), codes, 300_000),  # earlier: the year's first day moves
        day_rows(D(2026, 1, 5), codes[:2], 400_000),  # a new year
        day_rows(D(2025, 3, 6), codes, 200_000, change=3),  # corrections plus one new row
    ]
    for rows in files:
        assert import_file("daily", imp_write_csv(DAILY_HEADER, rows)).ok
        assert yearly_rows() == sums_of_the_months()
    first = Customer.objects.get(investor_code="00000101")
    assert yearly_rows()[(first.pk, D(2025, 1, 1))][-1] == D(2025, 2, 3)
    assert set(YearlyAggregate.objects.values_list("year", flat=True)) == {
        D(2025, 1, 1),
        D(2026, 1, 1),
    }


@pytest.mark.parametrize("by_customer", [True, False])
def test_rebuilding_months_rebuilds_their_years(customer, by_customer):
    row(customer, D(2025, 3, 3), "1000.00", close="-5.00", vol=2)
    row(customer, D(2025, 7, 1), "990.00", dep="10.00", vol=0)
    aggregates.add_new_rows(DailyBalance._meta.db_table, one_day=False)
    assert yearly_rows() == sums_of_the_months()
    DailyBalance.objects.filter(trade_date=D(2025, 3, 3)).update(close_pnl=Decimal("-7.00"))
    aggregates.refresh_months([D(2025, 3, 1)], [customer.pk] if by_customer else None)
    assert yearly_rows() == sums_of_the_months()
    assert YearlyAggregate.objects.get().pnl == Decimal("-7.00")


def test_the_migration_fills_the_years_from_the_months(customer):
    """customers 0012: the yearly aggregates start as the sums of the monthly rows there."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("huifang.customers.migrations.0012_yearly_aggregate")

    class Editor:
        connection = None

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    Editor.connection = connection
    row(customer, D(2024, 12, 31), "1000.00", close="3.00", vol=1)
    row(customer, D(2025, 3, 3), "1000.00", close="-5.00", vol=2)
    row(customer, D(2025, 7, 1), "990.00", dep="10.00")
    aggregates.refresh_all()
    YearlyAggregate.objects.all().delete()
    migration.fill(apps, Editor())
    assert yearly_rows() == sums_of_the_months()
    assert len(yearly_rows()) == 2
