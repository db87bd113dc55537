"""Deadlines on trading days: weekends, the Spring Festival, make-up working days, a year
without calendar data, and the "end of the month after the 70th birthday" rule."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from huifang.callbacks import services
from huifang.callbacks.deadlines import CalendarMissing, birthday_event, deadline_for
from huifang.callbacks.models import Batch, CallbackTask
from tests.callbacks.conftest import make_customer, make_run

D = datetime.date
pytestmark = pytest.mark.django_db


def with_days(business_type, n):
    business_type.deadline_days = n
    return business_type


def test_deadline_skips_the_weekend(annual):
    assert deadline_for(with_days(annual, 1), D(2026, 1, 9), None) == D(2026, 1, 12)


def test_deadline_skips_the_whole_spring_festival(annual):
    # 2026-02-15 … 02-23 closed: from Friday 02-13 the next trading day is Tuesday 02-24.
    assert deadline_for(with_days(annual, 1), D(2026, 2, 13), None) == D(2026, 2, 24)


def test_make_up_working_saturdays_are_not_trading_days(annual):
    # Offices work on Saturday 02-28 (调休); the exchanges do not: 02-27 + 1 → 03-02.
    assert deadline_for(with_days(annual, 1), D(2026, 2, 27), None) == D(2026, 3, 2)
    # Thursday 02-12 + 2: Friday 02-13, then (not Saturday 02-14) Tuesday 02-24.
    assert deadline_for(with_days(annual, 2), D(2026, 2, 12), None) == D(2026, 2, 24)


def test_year_without_calendar_data_is_refused(annual):
    # 2101: past the years any calendar (maintained or provisional) covers.
    with pytest.raises(CalendarMissing, match="2101 年的交易日历尚未维护"):
        deadline_for(with_days(annual, 20), D(2100, 12, 20), None)


def test_batch_into_a_year_without_calendar_is_refused_and_writes_nothing(
    branches, personas, annual, monkeypatch
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2100, 12, 21))
    customer = make_customer(branches["a1"])
    run = make_run({customer: ["A003"]})

    with pytest.raises(ValidationError, match="2101 年的交易日历尚未维护"):
        services.do_create_batch(run, with_days(annual, 20), actor=personas["hq_admin"])

    assert not Batch.objects.exists() and not CallbackTask.objects.exists()


def test_trading_day_deadline_is_set_on_new_tasks(branches, personas, annual, today):
    customer = make_customer(branches["a1"])
    annual.deadline_days = 5
    annual.save()

    services.do_create_batch(make_run({customer: ["A003"]}), annual, actor=personas["hq_admin"])

    # Monday 2026-01-05 + 5 trading days = Monday 2026-01-12.
    assert CallbackTask.objects.get().deadline == D(2026, 1, 12)


def test_29_february_birthday_counts_from_1_march_in_common_years():
    assert birthday_event(D(1956, 2, 29), 70) == D(2026, 3, 1)
    assert birthday_event(D(1956, 2, 28), 70) == D(2026, 2, 28)


@pytest.mark.parametrize(
    ("birth", "deadline"),
    [
        (D(1956, 1, 10), D(2026, 2, 28)),  # turns 70 on 2026-01-10 → end of February
        (D(1955, 12, 31), D(2026, 1, 31)),  # turned 70 in December → end of January
        (D(1956, 2, 28), D(2026, 3, 31)),
        (D(1956, 2, 29), D(2026, 4, 30)),  # turns 70 on 1 March 2026
        (D(1950, 6, 1), D(2026, 2, 2)),  # long past: 20 trading days after the batch
        (None, D(2026, 2, 2)),  # birth date unknown: trading-day rule
    ],
)
def test_end_of_month_after_the_70th_birthday(elderly_type, birth, deadline, today):
    assert deadline_for(elderly_type, today, birth) == deadline


def test_birthday_rule_in_a_batch_matches_the_per_customer_rule(
    branches, personas, elderly_type, today
):
    births = [D(1956, 1, 10), D(1955, 12, 31), D(1956, 2, 29), D(1950, 6, 1), None]
    customers = [make_customer(branches["a1"], birth_date=b) for b in births]

    services.do_create_batch(
        make_run({c: ["A003"] for c in customers}), elderly_type, actor=personas["hq_admin"]
    )

    for customer, birth in zip(customers, births, strict=True):
        task = CallbackTask.objects.get(customer=customer)
        assert task.deadline == deadline_for(elderly_type, today, birth), birth
