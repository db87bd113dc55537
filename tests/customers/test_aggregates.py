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
