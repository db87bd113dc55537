"""Reference dates and due occurrences: each missed occurrence once, oldest first."""

from __future__ import annotations

import datetime

from huifang.automation import schedule, services
from huifang.automation.models import PlanRun, PlanRunStatus, ReferenceKind

from .conftest import beijing, set_active_since

D = datetime.date


def test_month_end_is_the_last_trading_day_of_each_month(make_plan):
    plan = make_plan(reference_kind=ReferenceKind.MONTH_END)

    days = list(schedule.reference_dates(plan, D(2025, 1, 1), D(2025, 6, 30)))

    # 2025-05-31 is a Saturday: May's last trading day is Friday the 30th.
    assert days == [
        D(2025, 1, 27),
        D(2025, 2, 28),
        D(2025, 3, 31),
        D(2025, 4, 30),
        D(2025, 5, 30),
        D(2025, 6, 30),
    ]


def test_year_end_is_the_last_trading_day_of_the_year(make_plan):
    plan = make_plan(reference_kind=ReferenceKind.YEAR_END)

    assert list(schedule.reference_dates(plan, D(2024, 1, 1), D(2025, 12, 31))) == [
        D(2024, 12, 31),
        D(2025, 12, 31),
    ]


def test_every_trading_day_skips_weekends_and_holidays(make_plan):
    plan = make_plan()

    days = list(schedule.reference_dates(plan, D(2025, 9, 29), D(2025, 10, 10)))

    # 国庆/中秋 2025: 10-01 … 10-08 closed; 10-11 (Saturday) is a make-up day, not trading.
    assert days == [D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 9), D(2025, 10, 10)]


def test_an_occurrence_is_due_only_after_its_run_time(make_plan):
    plan = set_active_since(make_plan(), beijing(D(2025, 12, 29), 9))

    assert schedule.due_occurrences(plan, beijing(D(2025, 12, 29), 19, 59)) == []
    assert schedule.due_occurrences(plan, beijing(D(2025, 12, 29), 20, 0)) == [D(2025, 12, 29)]


def test_catch_up_after_a_gap_runs_each_missed_occurrence_once_oldest_first(make_plan, elderly):
    plan = set_active_since(make_plan(), beijing(D(2025, 12, 24), 21))
    back = beijing(D(2025, 12, 31), 21)  # the worker was down from the 24th evening

    first = services.tick(back)
    again = services.tick(back)

    assert [r.occurrence for r in first] == [
        D(2025, 12, 25),
        D(2025, 12, 26),
        D(2025, 12, 29),
        D(2025, 12, 30),
        D(2025, 12, 31),
    ]
    assert all(r.status == PlanRunStatus.DONE for r in first)
    assert again == []
    assert PlanRun.objects.filter(plan=plan).count() == 5
    assert [r.started_at for r in first] == sorted(r.started_at for r in first)


def test_a_new_plan_does_not_run_occurrences_from_before_it_existed(make_plan):
    plan = make_plan()

    assert schedule.due_occurrences(plan, plan.active_since) == []


def test_a_disabled_plan_has_nothing_due_and_re_enabling_starts_afresh(make_plan, personas):
    plan = set_active_since(make_plan(), beijing(D(2025, 12, 1), 9))
    services.do_save_plan(plan, {"enabled": False}, actor=personas["hq_admin"])
    plan.refresh_from_db()
    assert schedule.due_occurrences(plan, beijing(D(2025, 12, 31), 21)) == []

    plan = services.do_save_plan(plan, {"enabled": True}, actor=personas["hq_admin"])

    assert schedule.due_occurrences(plan, plan.active_since) == []


def test_a_fixed_date_plan_runs_once_on_its_date(make_plan, elderly):
    plan = make_plan(reference_kind=ReferenceKind.FIXED, fixed_date=D(2099, 12, 31))
    set_active_since(plan, beijing(D(2025, 12, 30), 9))
    plan.fixed_date = D(2025, 12, 31)
    plan.save()

    assert [r.occurrence for r in services.tick(beijing(D(2026, 1, 5), 9))] == [D(2025, 12, 31)]
    assert services.tick(beijing(D(2026, 2, 5), 9)) == []


def test_next_occurrence_skips_an_occurrence_already_run(make_plan, elderly):
    plan = set_active_since(make_plan(), beijing(D(2025, 12, 29), 9))
    services.do_run_plan(plan, on=D(2025, 12, 29), actor=None)

    assert schedule.next_occurrence(plan, beijing(D(2025, 12, 29), 10)) == D(2025, 12, 30)
