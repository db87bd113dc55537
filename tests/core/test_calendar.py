"""The trading-day API: weekends, holidays, make-up working days, missing years, caching."""

from __future__ import annotations

import datetime

import chinese_calendar
import pytest

from huifang.core import calendar
from huifang.core.calendar import (
    CalendarMissing,
    add_trading_days,
    end_of_month_after,
    is_trading_day,
    trading_days_between,
)
from huifang.core.models import CalendarHoliday, CalendarYear

D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Each test starts and ends with an empty per-process cache (tests roll back edits)."""
    calendar.clear_cache()
    yield
    calendar.clear_cache()


pytestmark = pytest.mark.django_db


def test_fresh_install_has_every_chinesecalendar_year_complete():
    years = set(CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True))
    assert years == set(range(2004, 2027))


def test_friday_plus_one_trading_day_is_monday():
    assert add_trading_days(D(2025, 3, 7), 1) == D(2025, 3, 10)


def test_start_itself_is_not_counted():
    assert add_trading_days(D(2025, 3, 10), 1) == D(2025, 3, 11)
    assert add_trading_days(D(2025, 3, 10), 0) == D(2025, 3, 10)


def test_deadline_across_spring_festival_skips_the_whole_holiday():
    # 2025-01-28 … 2025-02-04 are closed; Feb 5, 6, 7 are the next three trading days.
    assert add_trading_days(D(2025, 1, 27), 3) == D(2025, 2, 7)


def test_make_up_working_sunday_is_not_a_trading_day():
    makeup_sunday = D(2025, 1, 26)
    assert chinese_calendar.is_workday(makeup_sunday)  # offices work …
    assert not is_trading_day(makeup_sunday)  # … the futures exchanges do not


def test_deadline_skips_make_up_working_days():
    # Friday 2025-01-24 → the make-up Sunday 01-26 is skipped → Monday 01-27.
    assert add_trading_days(D(2025, 1, 24), 1) == D(2025, 1, 27)
    # Friday 2025-02-07 → make-up Saturday 02-08 skipped → Monday 02-10.
    assert add_trading_days(D(2025, 2, 7), 1) == D(2025, 2, 10)


def test_holiday_on_a_weekday_is_closed_and_ordinary_weekday_is_open():
    assert not is_trading_day(D(2025, 10, 1))
    assert is_trading_day(D(2025, 10, 9))


def test_deadline_across_a_year_boundary():
    # 2025-12-31 Wed → 2026-01-01 (元旦) and 01-02 closed, 01-03/04 weekend → 2026-01-05.
    assert add_trading_days(D(2025, 12, 31), 1) == D(2026, 1, 5)


def test_negative_count_goes_backwards():
    assert add_trading_days(D(2025, 2, 5), -1) == D(2025, 1, 27)


def test_trading_days_between_counts_the_half_open_interval():
    assert trading_days_between(D(2025, 1, 27), D(2025, 2, 7)) == 3
    assert trading_days_between(D(2025, 2, 7), D(2025, 1, 27)) == -3
    assert trading_days_between(D(2025, 3, 7), D(2025, 3, 7)) == 0


def test_trading_days_between_inverts_add_trading_days():
    start = D(2025, 9, 26)
    for n in (1, 5, 12, 40):
        assert trading_days_between(start, add_trading_days(start, n)) == n


def test_end_of_month_after():
    assert end_of_month_after(D(2025, 1, 31)) == D(2025, 2, 28)
    assert end_of_month_after(D(2024, 1, 15)) == D(2024, 2, 29)
    assert end_of_month_after(D(2025, 11, 30)) == D(2025, 12, 31)
    assert end_of_month_after(D(2025, 12, 5)) == D(2026, 1, 31)


def test_aware_datetime_is_taken_in_shanghai_time():
    utc_evening = datetime.datetime(2025, 3, 9, 17, 0, tzinfo=datetime.UTC)  # Mon 01:00 CST
    assert is_trading_day(utc_evening)


def test_year_without_calendar_data_raises_calendar_missing():
    # 2003: before the seeded years and before the holiday rules the provisional calendar
    # follows, so there is nothing to compute a deadline on.
    with pytest.raises(CalendarMissing) as info:
        add_trading_days(D(2004, 1, 5), -5)
    assert info.value.year == 2003
    assert str(info.value) == "2003 年的交易日历尚未维护，请先在 系统管理 → 交易日历 中维护"


def test_weekend_of_a_missing_year_is_not_guessed():
    with pytest.raises(CalendarMissing):
        is_trading_day(D(2003, 1, 4))


def test_trading_days_between_refuses_a_missing_year_in_the_middle():
    with pytest.raises(CalendarMissing):
        trading_days_between(D(2003, 6, 1), D(2005, 1, 10))


def test_incomplete_year_uses_the_provisional_calendar_until_marked_complete(personas):
    calendar.do_create_year(2027, actor=personas["hq_admin"])
    calendar.do_add_holiday(2027, D(2027, 1, 4), "临时休市", actor=personas["hq_admin"])
    # Not complete: HQ's partial entries are not used; 元旦 (Friday 01-01) alone is closed.
    assert add_trading_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert calendar.is_provisional(2027)
    calendar.do_set_year_complete(2027, True, actor=personas["hq_admin"])
    assert add_trading_days(D(2026, 12, 31), 1) == D(2027, 1, 1)  # HQ's entries alone
    assert not calendar.is_provisional(2027)


def test_a_year_is_read_once_then_served_from_memory(django_assert_num_queries):
    is_trading_day(D(2025, 5, 6))
    with django_assert_num_queries(0):
        assert add_trading_days(D(2025, 4, 30), 1) == D(2025, 5, 6)


def test_a_service_edit_invalidates_the_cache(personas):
    assert add_trading_days(D(2025, 3, 7), 1) == D(2025, 3, 10)
    calendar.do_add_holiday(2025, D(2025, 3, 10), "临时休市", actor=personas["hq_admin"])
    assert add_trading_days(D(2025, 3, 7), 1) == D(2025, 3, 11)


def test_another_process_edit_is_noticed_through_the_shared_generation(monkeypatch):
    assert is_trading_day(D(2025, 3, 10))
    # Another process adds a holiday and publishes a new generation.
    CalendarHoliday.objects.create(calendar_year_id=2025, date=D(2025, 3, 10), name="外部修改")
    from django.core.cache import cache

    cache.set(calendar.GENERATION_KEY, "other-process", None)
    assert is_trading_day(D(2025, 3, 10))  # still cached: within RECHECK_SECONDS
    monkeypatch.setitem(calendar._state, "checked_at", float("-inf"))  # time has passed
    assert not is_trading_day(D(2025, 3, 10))
