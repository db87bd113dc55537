"""The statutory holidays (全体公民放假的节日) of a year, computed in advance.

国务院《全国年节及纪念日放假办法》 as amended in force since 2025-01-01 gives every citizen
a day off on 元旦 (1 day), 春节 (4 days: 除夕 and 正月初一至初三), 清明节 (1 day), 劳动节
(2 days: 5月1日、2日), 端午节 (1 day), 中秋节 (1 day) and 国庆节 (3 days: 10月1日至3日).
The official schedule of a year (published weeks before it) always closes these and moves
other days around them; they are what the provisional calendar of
:mod:`huifang.core.calendar` closes. The lunar dates and 清明 (a solar term) come from
``tyme4py``; nothing of any year's official schedule is written here.
"""

from __future__ import annotations

import datetime


def _solar(day) -> datetime.date:
    return datetime.date(day.get_year(), day.get_month(), day.get_day())


def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The statutory holidays of ``year`` (全体公民放假的节日), which the official schedule
    always closes: 元旦 1 day, 春节 4 days (除夕 and 正月初一至初三), 清明 1 day (the solar
    term), 劳动节 2 days (5月1日、2日), 端午 1 day (五月初五), 中秋 1 day (八月十五),
    国庆节 3 days (10月1日至3日). Lunar dates and 清明 come from ``tyme4py``; names as in
    chinesecalendar. Days that coincide (中秋 on 10月1日) keep both names.
    """
    from tyme4py.lunar import LunarDay
    from tyme4py.solar import SolarTerm

    spring = _solar(LunarDay.from_ymd(year, 1, 1).get_solar_day())
    qingming = _solar(SolarTerm.from_name(year, "清明").get_julian_day().get_solar_day())
    named = [(datetime.date(year, 1, 1), "元旦")]
    named += [(spring + datetime.timedelta(days=offset), "春节") for offset in range(-1, 3)]
    named += [(qingming, "清明"), (datetime.date(year, 5, 1), "劳动节")]
    named += [(datetime.date(year, 5, 2), "劳动节")]
    named += [(_solar(LunarDay.from_ymd(year, 5, 5).get_solar_day()), "端午")]
    named += [(_solar(LunarDay.from_ymd(year, 8, 15).get_solar_day()), "中秋")]
    named += [(datetime.date(year, 10, day), "国庆节") for day in (1, 2, 3)]
    days: dict[datetime.date, str] = {}
    for day, name in named:
        if day.year != year:  # cannot happen for these festivals; never store a stray date
            raise ValueError(f"{name} {day} 不在 {year} 年内")
        days[day] = f"{days[day]}、{name}" if day in days else name
    return dict(sorted(days.items()))
