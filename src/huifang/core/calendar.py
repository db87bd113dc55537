"""The trading-day calendar of the Chinese futures exchanges, used for task deadlines.

A trading day is a weekday that is not a public holiday. Make-up working days (调休,
weekends on which offices work) are *not* trading days: the exchanges stay closed on
every Saturday and Sunday. Holidays per year come from the ``chinesecalendar`` package
(it ends at 2026) and are then maintained by HQ in 系统管理 → 交易日历.

A year HQ has not maintained yet (next year's official schedule is published only weeks
before it starts) gets a *provisional* calendar: weekdays less the statutory holidays that
can be computed in advance (:func:`statutory_holidays`, the State Council's rules as
amended in force since 2025, the lunar dates and 清明 from ``tyme4py``). The official
schedule only ever closes more weekdays than these (it moves days around the statutory
ones, never onto them), so a deadline computed on the provisional calendar is never later
than the final one. Such deadlines are marked 暂定 and recomputed when HQ maintains the
year: services that complete a year send :data:`year_maintaining` first, and the apps
that stored provisional dates answer with what to do once the year has changed.

A year outside :data:`PROVISIONAL_FROM`–:data:`MAX_YEAR` without complete data still
raises :class:`CalendarMissing`. A year's holidays are cached in memory per
process; every edit invalidates this process at once and the other processes (web workers,
the task worker) within :data:`RECHECK_SECONDS` through a generation number in the shared
cache.
"""

from __future__ import annotations

import datetime
import functools
import threading
import time
import uuid
from collections.abc import Callable, Collection

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from huifang.core import audit
from huifang.core.audit_actions import CoreAction
from huifang.core.holiday_rules import statutory_holidays
from huifang.core.models import CalendarHoliday, CalendarYear
from huifang.core.permissions import require

GENERATION_KEY = "huifang:calendar:generation"
RECHECK_SECONDS = 5.0
MIN_YEAR, MAX_YEAR = 2000, 2100
PERMISSION = "core.change_calendaryear"
# The first year of the holiday rules :func:`statutory_holidays` follows (国务院《全国年节及
# 纪念日放假办法》 as amended, in force since 2025-01-01); earlier years are all maintained.
PROVISIONAL_FROM = 2025

# Sent inside the transaction of a service that is about to make a year complete (seed,
# import, "mark complete"), with ``year`` and ``actor``, *before* the change. A receiver
# that stored dates computed on the provisional calendar returns a callable (or None);
# the service calls it after the change, in the same transaction, and reports what it
# returns (a Chinese sentence, or None).
year_maintaining = Signal()


class CalendarMissing(ValidationError):
    """A date computation needs a year whose trading-day calendar is not maintained."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year} 年的交易日历尚未维护，请先在 系统管理 → 交易日历 中维护",
            code="calendar_missing",
        )

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------- in-process cache

_lock = threading.Lock()
# year → (closed dates, provisional?); None: no data and no provisional calendar either
_years: dict[int, tuple[frozenset[datetime.date], bool] | None] = {}
_state = {"generation": None, "checked_at": float("-inf")}


def clear_cache() -> None:
    """Forget every cached year in this process (tests call it between cases)."""
    with _lock:
        _years.clear()
        _state["checked_at"] = float("-inf")


def _sync_generation() -> None:
    """Drop the cache when another process has edited the calendar (checked now and then)."""
    now = time.monotonic()
    if now - _state["checked_at"] < RECHECK_SECONDS:
        return
    try:
        generation = cache.get(GENERATION_KEY)
    except Exception:  # a cache outage must not stop deadlines; keep what we have
        return
    with _lock:
        _state["checked_at"] = now
        if generation != _state["generation"]:
            _years.clear()
            _state["generation"] = generation


def _invalidate() -> None:
    """Called inside an edit (this process) and again after its commit (all processes)."""
    with _lock:
        _years.clear()


def _publish() -> None:
    _invalidate()
    generation = uuid.uuid4().hex
    try:
        cache.set(GENERATION_KEY, generation, None)
    except Exception:  # other processes then notice only on restart; still correct here
        return
    with _lock:
        _state["generation"] = generation


def _changed() -> None:
    _invalidate()
    transaction.on_commit(_publish)


def _load(year: int) -> tuple[frozenset[datetime.date], bool] | None:
    if CalendarYear.objects.filter(year=year, is_complete=True).exists():
        closed = CalendarHoliday.objects.filter(calendar_year_id=year).values_list(
            "date", flat=True
        )
        return frozenset(closed), False
    if has_provisional(year):
        return _statutory(year), True
    return None


def has_provisional(year: int) -> bool:
    """Whether ``year`` gets a provisional calendar while HQ has not maintained it."""
    return PROVISIONAL_FROM <= year <= MAX_YEAR


def _entry(year: int) -> tuple[frozenset[datetime.date], bool]:
    _sync_generation()
    with _lock:
        if year in _years:
            cached = _years[year]
        else:
            cached = _years[year] = _load(year)
    if cached is None:
        raise CalendarMissing(year)
    return cached


def holidays(year: int) -> frozenset[datetime.date]:
    """The closed dates of ``year`` (weekend dates among them are harmless); for a year HQ
    has not maintained, the provisional ones (:func:`statutory_holidays`)."""
    return _entry(year)[0]


def is_provisional(year: int) -> bool:
    """Whether ``year``'s trading days come from the provisional calendar (暂定)."""
    return _entry(year)[1]


def provisional_between(a: datetime.date, b: datetime.date) -> bool:
    """Whether a date computed from ``a`` to ``b`` (either order) used a provisional year."""
    a, b = sorted((_as_date(a), _as_date(b)))
    return any(is_provisional(year) for year in range(a.year, b.year + 1))


# ---------------------------------------------------------------- date arithmetic


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if isinstance(value, datetime.date):
        return value
    raise TypeError(f"需要日期，得到 {type(value).__name__}")


def is_trading_day(day: datetime.date, *, provisional: Collection[int] = ()) -> bool:
    """Whether the futures exchanges trade on ``day`` (provisionally for a year HQ has not
    maintained); CalendarMissing for a year with no calendar at all. The years in
    ``provisional`` are taken on the provisional calendar even when maintained."""
    day = _as_date(day)
    if day.year in provisional and has_provisional(day.year):
        closed = _statutory(day.year)
    else:
        closed = holidays(day.year)  # asked even for weekends: never answer for an unknown year
    return day.weekday() < 5 and day not in closed


def add_trading_days(start: datetime.date, n: int) -> datetime.date:
    """The ``n``-th trading day after ``start`` (``start`` itself is not counted).

    ``n == 0`` returns ``start`` unchanged; a negative ``n`` counts backwards.
    """
    day = _as_date(start)
    step = 1 if n >= 0 else -1
    remaining = abs(int(n))
    while remaining:
        day += datetime.timedelta(days=step)
        if is_trading_day(day):
            remaining -= 1
    return day


def trading_days_between(
    a: datetime.date, b: datetime.date, *, provisional: Collection[int] = ()
) -> int:
    """How many trading days lie in ``(a, b]``; negative when ``b`` is before ``a``.

    The inverse of :func:`add_trading_days`: ``add_trading_days(a, trading_days_between(a,
    b)) == b`` whenever ``b`` is a trading day. ``provisional``: years to count on the
    provisional calendar (what a 暂定 deadline was computed on), maintained or not.
    """
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -trading_days_between(b, a, provisional=provisional)
    count = 0
    day = a
    for year in range(a.year, b.year + 1):
        if year not in provisional or not has_provisional(year):
            holidays(year)  # refuse before counting if any year in between is missing
    while day < b:
        day += datetime.timedelta(days=1)
        if is_trading_day(day, provisional=provisional):
            count += 1
    return count


def end_of_month_after(day: datetime.date) -> datetime.date:
    """The last day of the month following ``day``'s month (2025-01-31 → 2025-02-28)."""
    day = _as_date(day)
    next_month = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    month_after = (next_month + datetime.timedelta(days=32)).replace(day=1)
    return month_after - datetime.timedelta(days=1)


def trading_days_of(year: int) -> list[datetime.date]:
    """Every trading day of ``year`` in order."""
    closed = holidays(year)
    day, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    days = []
    while day <= end:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


# ---------------------------------------------------------------- the provisional calendar


@functools.cache
def _statutory(year: int) -> frozenset[datetime.date]:
    return frozenset(statutory_holidays(year))


# ---------------------------------------------------------------- chinesecalendar source


def chinesecalendar_years() -> range:
    """The years the installed chinesecalendar package knows."""
    from chinese_calendar.constants import holidays as known

    return range(min(known).year, max(known).year + 1)


# Weekdays the exchanges closed although they were official working days (the exchanges'
# own holiday notices). 2024: 除夕 was no public holiday; the exchanges closed 02-09 … 02-17.
EXCHANGE_CLOSURES: dict[datetime.date, str] = {datetime.date(2024, 2, 9): "春节"}


def chinesecalendar_holidays(year: int) -> dict[datetime.date, str]:
    """Closed dates of ``year`` with Chinese names, from chinesecalendar (empty if unknown),
    plus the exchange-only closures of :data:`EXCHANGE_CLOSURES`.

    Make-up working days are deliberately ignored: they are weekends, closed for trading.
    """
    from chinese_calendar.constants import Holiday
    from chinese_calendar.constants import holidays as known

    chinese = {item.value: item.chinese for item in Holiday}
    closed = {day: chinese.get(name, name) for day, name in known.items() if day.year == year}
    if closed:
        closed.update({d: n for d, n in EXCHANGE_CLOSURES.items() if d.year == year})
    return dict(sorted(closed.items()))


# ---------------------------------------------------------------- writes (services)


def _check_actor(actor) -> None:
    require(actor, PERMISSION, message="您没有维护交易日历的权限")


def _check_year(year: int) -> int:
    year = int(year)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"年份 {year} 超出范围（{MIN_YEAR}–{MAX_YEAR}）")
    return year


def _holiday_list(year: CalendarYear) -> list[list[str]]:
    return [
        [d.isoformat(), n] for d, n in year.holidays.order_by("date").values_list("date", "name")
    ]


def _maintaining(year: int, actor) -> list[Callable[[], object]]:
    """Before ``year`` becomes maintained: what the apps holding provisional dates will do."""
    answers = year_maintaining.send(sender=CalendarYear, year=year, actor=actor)
    return [answer for _, answer in answers if callable(answer)]


def _maintained(followups: list[Callable[[], object]]) -> list[str]:
    """After the change (same transaction): this process reads the new year, then the
    dependent apps recompute what they computed provisionally; their reports (Chinese)."""
    _changed()
    return [str(note) for note in (followup() for followup in followups) if note]


@transaction.atomic
def do_create_year(year: int, *, actor=None) -> CalendarYear:
    """Start maintaining ``year`` by hand: an empty, not yet complete year."""
    _check_actor(actor)
    year = _check_year(year)
    if CalendarYear.objects.filter(year=year).exists():
        raise ValidationError(f"{year} 年的交易日历已存在")
    calendar_year = CalendarYear.objects.create(year=year, source=CalendarYear.Source.MANUAL)
    audit.record(
        CoreAction.CREATE,
        calendar_year,
        after={"year": year, "is_complete": False},
        message=f"新建 {year} 年交易日历",
        actor=actor,
    )
    _changed()
    return calendar_year


@transaction.atomic
def do_add_holiday(year: int, day: datetime.date, name: str, *, actor=None) -> CalendarHoliday:
    """Close ``day`` (a date of ``year``) for trading, under the holiday name ``name``."""
    _check_actor(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError("节假日名称不能为空")
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        raise ValidationError(f"{year} 年的交易日历不存在，请先新建年份")
    if day.year != calendar_year.year:
        raise ValidationError(f"日期 {day:%Y-%m-%d} 不在 {calendar_year.year} 年内")
    existing = CalendarHoliday.objects.filter(date=day).first()
    if existing is not None:
        raise ValidationError(f"{day:%Y-%m-%d} 已是节假日（{existing.name}）")
    holiday = CalendarHoliday.objects.create(calendar_year=calendar_year, date=day, name=name)
    calendar_year.save(update_fields=["updated_at"])
    audit.record(
        CoreAction.HOLIDAY_ADD,
        calendar_year,
        after={"date": day, "name": name},
        message=f"{calendar_year.year} 年交易日历新增节假日 {day:%Y-%m-%d} {name}",
        actor=actor,
    )
    _changed()
    return holiday


@transaction.atomic
def do_remove_holiday(holiday: CalendarHoliday, *, actor=None) -> None:
    """Make ``holiday``'s date an ordinary day again (a trading day if it is a weekday)."""
    _check_actor(actor)
    calendar_year = CalendarYear.objects.select_for_update().get(pk=holiday.calendar_year_id)
    deleted, _ = CalendarHoliday.objects.filter(pk=holiday.pk).delete()
    if not deleted:
        raise ValidationError("该节假日已被删除")
    calendar_year.save(update_fields=["updated_at"])
    audit.record(
        CoreAction.HOLIDAY_REMOVE,
        calendar_year,
        before={"date": holiday.date, "name": holiday.name},
        message=f"{calendar_year.year} 年交易日历删除节假日 {holiday.date:%Y-%m-%d} {holiday.name}",
        actor=actor,
    )
    _changed()


@transaction.atomic
def do_set_year_complete(year: int, complete: bool, *, actor=None) -> CalendarYear:
    """Mark ``year`` complete (deadlines may use it) or reopen it (deadlines refuse it)."""
    _check_actor(actor)
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        raise ValidationError(f"{year} 年的交易日历不存在")
    if calendar_year.is_complete == complete:
        return calendar_year
    followups = _maintaining(year, actor) if complete else []
    calendar_year.is_complete = complete
    calendar_year.save(update_fields=["is_complete", "updated_at"])
    audit.record(
        CoreAction.UPDATE,
        calendar_year,
        before={"is_complete": not complete},
        after={"is_complete": complete},
        message=f"{year} 年交易日历{'标记为维护完成' if complete else '重新开放维护'}",
        actor=actor,
    )
    _maintained(followups)
    return calendar_year


@transaction.atomic
def do_seed_year(year: int, *, replace: bool = False, actor=None) -> str:
    """Load ``year`` from chinesecalendar; returns created/replaced/unchanged/kept/unknown.

    A year already in the database is kept as HQ maintained it (``kept``) unless
    ``replace`` is given, which makes its holiday list exactly chinesecalendar's.
    Running it twice changes nothing the second time (``unchanged`` or ``kept``).
    """
    _check_actor(actor)
    year = _check_year(year)
    source = chinesecalendar_holidays(year)
    if not source:
        return "unknown"
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is not None and not replace:
        return "kept"
    followups = _maintaining(year, actor)
    if calendar_year is None:
        calendar_year = CalendarYear.objects.create(
            year=year, is_complete=True, source=CalendarYear.Source.CHINESECALENDAR
        )
        CalendarHoliday.objects.bulk_create(
            [
                CalendarHoliday(calendar_year=calendar_year, date=d, name=n)
                for d, n in source.items()
            ]
        )
        audit.record(
            CoreAction.SEED,
            calendar_year,
            after={"is_complete": True, "holidays": _holiday_list(calendar_year)},
            message=f"从 chinesecalendar 导入 {year} 年交易日历（{len(source)} 个节假日）",
            actor=actor,
        )
        _maintained(followups)
        return "created"
    before = {
        "is_complete": calendar_year.is_complete,
        "source": calendar_year.source,
        "holidays": _holiday_list(calendar_year),
    }
    current = dict(calendar_year.holidays.values_list("date", "name"))
    calendar_year.holidays.exclude(date__in=list(source)).delete()
    for day, name in source.items():
        if day not in current:
            CalendarHoliday.objects.create(calendar_year=calendar_year, date=day, name=name)
        elif current[day] != name:
            calendar_year.holidays.filter(date=day).update(name=name)
    calendar_year.is_complete = True
    calendar_year.source = CalendarYear.Source.CHINESECALENDAR
    after = {
        "is_complete": True,
        "source": calendar_year.source,
        "holidays": _holiday_list(calendar_year),
    }
    if before == after:
        return "unchanged"
    calendar_year.save()
    old, new = audit.diff(before, after)
    audit.record(
        CoreAction.SEED,
        calendar_year,
        before=old,
        after=new,
        message=f"按 chinesecalendar 重新导入 {year} 年交易日历",
        actor=actor,
    )
    _maintained(followups)
    return "replaced"


def check_schedule(
    year: int, closed: dict[datetime.date, str], workdays: list[datetime.date]
) -> list[str]:
    """What is wrong with an official schedule of ``year`` (empty: nothing), in Chinese.

    ``closed`` are the days off (date → holiday name), ``workdays`` the make-up working
    days (调休上班), which are weekends and stay closed for the exchanges. Every statutory
    holiday on a weekday (:func:`statutory_holidays`) must be among the days off: the
    official schedule always gives them, so a file without one is the wrong file.
    """
    problems = []
    if not closed:
        problems.append(f"文件中没有 {year} 年的放假日期")
    for day in sorted({*closed, *workdays}):
        if day.year != year:
            problems.append(f"{day:%Y-%m-%d} 不在 {year} 年内")
    for day, name in sorted(closed.items()):
        if not (name or "").strip():
            problems.append(f"{day:%Y-%m-%d} 缺少节假日名称")
        elif len(name.strip()) > 100:
            problems.append(f"{day:%Y-%m-%d} 的节假日名称超过 100 个字")
    for day in sorted(workdays):
        if day in closed:
            problems.append(f"{day:%Y-%m-%d} 不能既是放假日又是调休上班日")
        elif day.weekday() < 5:
            problems.append(
                f"{day:%Y-%m-%d} 是周{WEEKDAY_NAMES[day.weekday()]}，调休上班日应为周六或周日"
            )
    if has_provisional(year) and not problems:
        for day, name in statutory_holidays(year).items():
            if day.weekday() < 5 and day not in closed:
                problems.append(
                    f"缺少法定节假日 {day:%Y-%m-%d}（{name}）：官方安排必然放假，请核对文件与年份"
                )
    return problems


WEEKDAY_NAMES = "一二三四五六日"


@transaction.atomic
def do_import_year(
    year: int,
    closed: dict[datetime.date, str],
    workdays: list[datetime.date] = (),
    *,
    file_name: str = "",
    actor=None,
) -> tuple[str, list[str]]:
    """Make ``year`` exactly HQ's official schedule and mark it complete: ``closed`` (date →
    name) become its holidays, replacing what was there. Returns created/replaced/unchanged
    and what the recomputation of provisional deadlines did (Chinese sentences).

    Refused as a whole (ValidationError listing every problem, nothing written) when
    :func:`check_schedule` finds anything. Deadlines computed provisionally on ``year`` are
    recomputed in the same transaction (:data:`year_maintaining`).
    """
    _check_actor(actor)
    year = _check_year(year)
    workdays = sorted(set(workdays))
    closed = {day: name.strip() for day, name in closed.items()}
    problems = check_schedule(year, closed, workdays)
    if problems:
        raise ValidationError(problems)
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    wanted = [[day.isoformat(), name] for day, name in sorted(closed.items())]
    followups = _maintaining(year, actor)
    if calendar_year is not None and calendar_year.is_complete:
        if _holiday_list(calendar_year) == wanted:
            # Nothing to change; a deadline still 暂定 on this year (a batch that another
            # process computed with its cached calendar while the year was imported) is
            # recomputed all the same, so importing the file again is the remedy.
            return "unchanged", [str(note) for note in (f() for f in followups) if note]
    if calendar_year is None:
        outcome, before = "created", {}
        calendar_year = CalendarYear(year=year)
    else:
        outcome = "replaced"
        before = {
            "is_complete": calendar_year.is_complete,
            "source": calendar_year.source,
            "holidays": _holiday_list(calendar_year),
        }
        calendar_year.holidays.all().delete()
    calendar_year.is_complete = True
    calendar_year.source = CalendarYear.Source.IMPORT
    calendar_year.save()
    CalendarHoliday.objects.bulk_create(
        [CalendarHoliday(calendar_year=calendar_year, date=d, name=n) for d, n in closed.items()]
    )
    after = {"is_complete": True, "source": calendar_year.source, "holidays": wanted}
    old, new = audit.diff(before, after)
    new["workdays"] = [day.isoformat() for day in workdays]
    audit.record(
        CoreAction.CALENDAR_IMPORT,
        calendar_year,
        before=old or None,
        after=new,
        message=(
            f"导入 {year} 年官方节假日安排{f'（{file_name}）' if file_name else ''}："
            f"放假 {len(closed)} 天，调休上班 {len(workdays)} 天"
        ),
        actor=actor,
    )
    return outcome, _maintained(followups)
