"""Helpers to build customers, daily rows and products directly with the ORM."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest

from huifang.customers import aggregates
from huifang.customers.models import Customer, DailyBalance, ProductHolding

D = datetime.date
_codes = itertools.count(1)


def customer(branch, **fields) -> Customer:
    values = {
        "investor_code": f"{next(_codes):08d}",
        "name": "测试客户",
        "full_name": "测试客户",
        "customer_type": "natural",
        "open_date": D(2020, 1, 1),
        "birth_date": D(1980, 5, 5),
        "branch": branch,
    }
    values.update(fields)
    return Customer.objects.create(**values)


def daily(cust, day, prev="0", close="0", pos="0", fee="0", dep="0", wd="0", vol=0):
    prev, close, pos, fee, dep, wd = (Decimal(str(v)) for v in (prev, close, pos, fee, dep, wd))
    return DailyBalance.objects.create(
        customer=cust,
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


def product(cust, day, risk, code="P1", name="产品"):
    return ProductHolding.objects.create(
        customer=cust, business_date=day, product_code=code, product_name=name, product_risk=risk
    )


def refresh() -> None:
    aggregates.refresh_all()


@pytest.fixture
def make(branches):
    """``make(**fields)`` → a customer at 期货北京营业部 unless ``branch=`` says otherwise."""

    def build(**fields):
        fields.setdefault("branch", branches["a1"])
        return customer(**fields)

    return build
