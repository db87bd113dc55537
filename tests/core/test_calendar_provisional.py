"""The provisional calendar of a year HQ has not maintained: weekdays less the statutory
holidays, the lunar ones and 清明 computed by tyme4py (checked here against the library's
own lunar dates, never against a guessed official schedule)."""

from __future__ import annotations

import datetime

import pytest
from tyme4py.lunar import LunarDay
from tyme4py.solar import SolarDay

from huifang.core import calendar

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def lunar(day: datetime.date) -> tuple[int, int]:
    """(lunar month, lunar day) of ``day`` as tyme4py gives it."""
    lunar_day = SolarDay.from_ymd(day.year, day.month, day.day).get_lunar_day()
    return lunar_day.get_month(), lunar_day.get_day()


def named(year: int, name: str) -> list[datetime.date]:
    return [day for day, names in calendar.statutory_holidays(year).items() if name in names]


def test_2027_spring_festival_is_new_years_eve_and_the_first_three_lunar_days():
    days = named(2027, "春节")
    assert days == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert lunar(D(2027, 2, 6)) == (1, 1)  # 正月初一
    assert [lunar(d) for d in days[1:]] == [(1, 1), (1, 2), (1, 3)]
    assert lunar(days[0])[0] == 12  # 除夕: the last day of the twelfth month
    assert LunarDay.from_ymd(2026, 12, 1).get_lunar_month().get_day_count() == lunar(days[0])[1]


def test_2027_dragon_boat_and_mid_autumn_are_the_lunar_dates():
    (duanwu,) = named(2027, "端午")
    (zhongqiu,) = named(2027, "中秋")
    assert lunar(duanwu) == (5, 5)
    assert lunar(zhongqiu) == (8, 15)


def test_qingming_is_the_solar_term_day():
    (qingming,) = named(2027, "清明")
    term = SolarDay.from_ymd(qingming.year, qingming.month, qingming.day).get_term_day()
    assert term.get_name() == "清明" and term.get_day_index() == 0


def test_fixed_date_holidays_follow_the_amended_rules():
    assert named(2027, "元旦") == [D(2027, 1, 1)]
    assert named(2027, "劳动节") == [D(2027, 5, 1), D(2027, 5, 2)]
    assert named(2027, "国庆节") == [D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)]
    assert len(calendar.statutory_holidays(2027)) == 13


@pytest.mark.parametrize("year", [2025, 2026])
def test_official_schedules_close_every_statutory_weekday(year):
    """Why a provisional deadline is never later than the final one: the official
    schedules chinesecalendar knows close every statutory holiday on a weekday."""
    official = calendar.chinesecalendar_holidays(year)
    missing = [
        d for d in calendar.statutory_holidays(year) if d.weekday() < 5 and d not in official
    ]
    assert missing == []


def test_an_unmaintained_year_is_provisional_and_a_seeded_one_is_not():
    assert calendar.is_provisional(2027)
    assert not calendar.is_provisional(2026)
    assert calendar.provisional_between(D(2026, 12, 2), D(2027, 1, 28))
    assert not calendar.provisional_between(D(2026, 1, 5), D(2026, 12, 31))


def test_provisional_trading_days_skip_weekends_and_statutory_holidays():
    assert not calendar.is_trading_day(D(2027, 1, 1))  # 元旦, Friday
    assert not calendar.is_trading_day(D(2027, 2, 5))  # 除夕, Friday
    assert calendar.add_trading_days(D(2027, 2, 4), 1) == D(2027, 2, 9)  # Tuesday after 初三
    assert calendar.is_trading_day(D(2027, 2, 10))


def test_years_before_the_amended_rules_get_no_provisional_calendar():
    with pytest.raises(calendar.CalendarMissing):
        calendar.is_provisional(2003)
