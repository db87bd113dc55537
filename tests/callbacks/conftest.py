"""Builders for the callback tests: customers and frozen screening runs made with the ORM
(the rule engine is tested in tests/rules; here only the run's stored hits matter)."""

from __future__ import annotations

import datetime
import itertools

import pytest

from huifang.callbacks.models import BusinessType
from huifang.core import calendar
from huifang.customers.models import Customer
from huifang.rules.models import Hit, HitReason, Rule, RunRule, RunStatus, ScreeningRun

D = datetime.date
AS_OF = datetime.date(2025, 12, 31)
_codes = itertools.count(1)


TODAY = D(2026, 1, 5)  # a Monday inside the seeded calendar (which ends with 2026)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Pin "today" (batch day, overdue) so deadlines do not depend on the machine's clock."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


def make_customer(branch, code: str | None = None, **fields) -> Customer:
    values = {
        "name": "客户",
        "customer_type": "natural",
        "open_date": D(2020, 1, 1),
        "branch": branch,
        "risk_level": 3,
    }
    values.update(fields)
    return Customer.objects.create(investor_code=code or f"{next(_codes):08d}", **values)


def make_run(
    hits: dict[Customer, list[str]],
    *,
    as_of: datetime.date = AS_OF,
    names: dict[str, str] | None = None,
    branches: dict[Customer, object] | None = None,
    freeze: bool = True,
) -> ScreeningRun:
    """A screening run holding ``hits`` (customer → rule codes), frozen unless asked not.

    ``names`` overrides the rule names the run records; ``branches`` the branch as of D.
    """
    names = names or {}
    branches = branches or {}
    run = ScreeningRun.objects.create(as_of=as_of, hit_count=len(hits))
    used = sorted({code for codes in hits.values() for code in codes})
    recorded = {}
    for code in used:
        rule = Rule.objects.get(code=code)
        recorded[code] = names.get(code, rule.name)
        RunRule.objects.create(
            run=run,
            version=rule.current_version,
            code=code,
            name=recorded[code],
            rule_type=rule.rule_type,
            params=rule.params,
        )
    for customer, codes in hits.items():
        codes = sorted(codes)
        branch = branches.get(customer, customer.branch)
        Hit.objects.create(
            run=run,
            customer=customer,
            branch=branch,
            investor_code=customer.investor_code,
            name=customer.name,
            customer_type=customer.customer_type,
            open_date=customer.open_date,
            birth_date=customer.birth_date,
            status=customer.status,
            rule_codes="," + ",".join(codes) + ",",
            reasons="；".join(recorded[c] for c in codes),
        )
        for code in codes:
            HitReason.objects.create(run=run, customer=customer, branch=branch, rule_code=code)
    if freeze:
        run.status = RunStatus.FROZEN
        run.save()
    return run


@pytest.fixture
def annual(db):
    return BusinessType.objects.get(name="年度适当性回访")


@pytest.fixture
def elderly_type(db):
    return BusinessType.objects.get(name="老年交易者回访")
