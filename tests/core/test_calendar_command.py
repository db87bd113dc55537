"""``huifang calendar seed`` / ``show``: idempotent, audited as a command."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from huifang.core import calendar
from huifang.core.models import AuditEvent, CalendarHoliday, CalendarYear

D = datetime.date

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def _run(*args) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_a_missing_year_once_and_audits_it_as_a_command():
    CalendarYear.objects.filter(year=2024).delete()
    assert "2024 年：已导入" in _run("seed", "--year", "2024")
    count = CalendarHoliday.objects.filter(calendar_year_id=2024).count()
    event = AuditEvent.objects.get(action="seed", object_id="2024")
    assert event.actor_label == "command:calendar"
    assert count == len(calendar.chinesecalendar_holidays(2024))
    assert calendar.add_trading_days(D(2024, 2, 8), 1) == D(2024, 2, 19)  # 春节 2024


def test_seed_twice_changes_nothing_the_second_time():
    CalendarYear.objects.filter(year=2024).delete()
    _run("seed")
    holidays = list(CalendarHoliday.objects.order_by("date").values_list("date", "name"))
    events = AuditEvent.objects.count()
    output = _run("seed")
    assert list(CalendarHoliday.objects.order_by("date").values_list("date", "name")) == holidays
    assert AuditEvent.objects.count() == events
    assert "已导入" not in output


def test_seed_keeps_hq_edits_unless_replace_is_given():
    CalendarHoliday.objects.filter(date=D(2025, 10, 8)).delete()
    _run("seed", "--year", "2025")
    assert not CalendarHoliday.objects.filter(date=D(2025, 10, 8)).exists()
    assert "已按 chinesecalendar 重新导入" in _run("seed", "--year", "2025", "--replace")
    assert CalendarHoliday.objects.filter(date=D(2025, 10, 8)).exists()
    assert "2025 年：无变化" in _run("seed", "--year", "2025", "--replace")
    assert AuditEvent.objects.filter(action="seed", object_id="2025").count() == 1


def test_seed_of_a_year_chinesecalendar_does_not_know_fails_clearly():
    with pytest.raises(CommandError, match="chinesecalendar 没有 2030 年的数据"):
        _run("seed", "--year", "2030")


def test_show_lists_holidays_and_trading_day_count():
    output = _run("show", "2025")
    assert "2025-01-28 周二 春节" in output
    assert f"交易日 {len(calendar.trading_days_of(2025))} 天" in output


def test_show_of_a_year_without_any_calendar_fails_with_the_calendar_message():
    with pytest.raises(CommandError, match="2003 年的交易日历尚未维护"):
        _run("show", "2003")
