"""Small builders of customer data for the page and API tests (plain ORM, no importer)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from huifang.customers import aggregates
from huifang.customers.models import Customer, DailyBalance, ProductHolding

D = datetime.date


def customer(code: str, branch, **fields) -> Customer:
    values = {
        "name": f"客户{code}",
        "customer_type": "natural",
        "open_date": D(2020, 1, 1),
        "branch": branch,
    }
    values.update(fields)
    return Customer.objects.create(investor_code=code, **values)


def daily(
    cust: Customer,
    day: datetime.date,
    prev: str,
    *,
    close: str = "0",
    pos: str = "0",
    fee: str = "0",
    dep: str = "0",
    wd: str = "0",
    vol: int = 0,
) -> DailyBalance:
    prev_d, close_d, pos_d, fee_d, dep_d, wd_d = map(Decimal, (prev, close, pos, fee, dep, wd))
    return DailyBalance.objects.create(
        customer=cust,
        trade_date=day,
        prev_equity=prev_d,
        close_pnl=close_d,
        position_pnl=pos_d,
        fee=fee_d,
        deposit=dep_d,
        withdrawal=wd_d,
        equity=prev_d + dep_d - wd_d + close_d + pos_d - fee_d,
        volume=vol,
    )


def refresh(*days: datetime.date) -> None:
    aggregates.refresh_months(days)


def product(cust: Customer, code: str, day: datetime.date, risk: int = 4, **fields):
    values = {"product_name": f"产品{code}", "category": "option", "product_risk": risk}
    values.update(fields)
    return ProductHolding.objects.create(
        customer=cust, product_code=code, business_date=day, **values
    )
