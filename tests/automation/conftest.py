"""A small world for 回访计划: elderly customers (rule A003 needs no daily data), the
seeded business type 年度适当性回访, and a plan builder."""

from __future__ import annotations

import datetime

import pytest

from huifang.automation import services
from huifang.automation.models import Plan, PlanMode, ReferenceKind
from huifang.callbacks.models import BusinessType
from tests.rules.conftest import customer

D = datetime.date


@pytest.fixture
def elderly(branches):
    """Two customers of 75 and 72 (A003 hits both at 70, only the first at 75) and one of 40."""
    return [
        customer(branches["a1"], birth_date=D(1950, 1, 1), name="七十五岁"),
        customer(branches["b1"], birth_date=D(1953, 6, 1), name="七十二岁"),
        customer(branches["a1"], birth_date=D(1985, 6, 1), name="四十岁"),
    ]


@pytest.fixture
def annual(db):
    return BusinessType.objects.get(name="年度适当性回访")


@pytest.fixture
def make_plan(personas, annual):
    """``make_plan(name, **fields)`` → a plan saved through the service by the HQ admin."""

    def build(name: str = "年度老年客户回访", **fields) -> Plan:
        data = {
            "name": name,
            "rules": [{"code": "A003", "version": "current"}],
            "reference_kind": ReferenceKind.TRADING_DAY,
            "fixed_date": None,
            "business_type": annual,
            "run_time": datetime.time(20, 0),
            "mode": PlanMode.AUTO,
            "enabled": True,
        }
        data.update(fields)
        return services.do_save_plan(None, data, actor=personas["hq_admin"])

    return build


def beijing(day: datetime.date, hour: int = 0, minute: int = 0) -> datetime.datetime:
    from huifang.automation.schedule import BEIJING

    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BEIJING)


def set_active_since(plan: Plan, moment: datetime.datetime) -> Plan:
    """Pretend the plan was created at ``moment`` (the schedule counts from then)."""
    Plan.objects.filter(pk=plan.pk).update(active_since=moment)
    plan.refresh_from_db()
    return plan
