"""When a plan runs: its reference dates (D) and the moment each is due.

An occurrence D is due at ``D`` + the plan's run time, Beijing time (the reference date's
own evening, after the back office's nightly export has been imported). The schedule
lives in the database only: :func:`due_occurrences` compares the plan's reference dates
with the :class:`~huifang.automation.models.PlanRun` rows already there, so a worker that
was down catches up every missed occurrence once, oldest first, and any number of workers
asking at the same time get the same answer (the insert of the row is the claim).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

from huifang.automation.models import Plan, PlanRun, ReferenceKind
from huifang.core import calendar

BEIJING = ZoneInfo("Asia/Shanghai")
LOOKAHEAD_DAYS = 400  # the furthest a next occurrence is looked for (a year-end plan)


def moment(plan: Plan, day: datetime.date) -> datetime.datetime:
    """When the occurrence ``day`` of ``plan`` is due (aware, Beijing time)."""
    return datetime.datetime.combine(day, plan.run_time, tzinfo=BEIJING)


def _beijing_date(value: datetime.datetime) -> datetime.date:
    return value.astimezone(BEIJING).date()


def _last_trading_day(first: datetime.date, last: datetime.date) -> datetime.date | None:
    """The last trading day in [first, last] (None if the span has none)."""
    day = last
    while day >= first:
        if calendar.is_trading_day(day):
            return day
        day -= datetime.timedelta(days=1)
    return None


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def reference_dates(
    plan: Plan, start: datetime.date, end: datetime.date
) -> Iterator[datetime.date]:
    """The plan's reference dates in [start, end], in order. A year without any trading-day
    calendar (``CalendarMissing``) ends the sequence: nothing is guessed."""
    try:
        yield from _reference_dates(plan, start, end)
    except calendar.CalendarMissing:
        return


def _reference_dates(plan: Plan, start: datetime.date, end: datetime.date):
    kind = plan.reference_kind
    if kind == ReferenceKind.FIXED:
        if plan.fixed_date and start <= plan.fixed_date <= end:
            yield plan.fixed_date
        return
    if kind == ReferenceKind.TRADING_DAY:
        day = start
        while day <= end:
            if calendar.is_trading_day(day):
                yield day
            day += datetime.timedelta(days=1)
        return
    if kind == ReferenceKind.MONTH_END:
        year, month = start.year, start.month
        while datetime.date(year, month, 1) <= end:
            found = _last_trading_day(datetime.date(year, month, 1), _month_end(year, month))
            if found is not None and start <= found <= end:
                yield found
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return
    if kind == ReferenceKind.YEAR_END:
        for year in range(start.year, end.year + 1):
            found = _last_trading_day(datetime.date(year, 12, 1), datetime.date(year, 12, 31))
            if found is not None and start <= found <= end:
                yield found
        return
    raise ValueError(f"unknown reference kind {kind!r}")


def is_reference_date(plan: Plan, day: datetime.date) -> bool:
    """Whether ``day`` is one of ``plan``'s reference dates (raises ``CalendarMissing``
    when the trading-day calendar of ``day``'s year is not there: nothing is guessed)."""
    calendar.is_trading_day(day)  # CalendarMissing before any answer
    return any(True for _ in _reference_dates(plan, day, day))


def previous_reference_date(plan: Plan, day: datetime.date) -> datetime.date | None:
    """The plan's last reference date before ``day`` (within :data:`LOOKAHEAD_DAYS`)."""
    before = [
        found
        for found in reference_dates(plan, day - datetime.timedelta(days=LOOKAHEAD_DAYS), day)
        if found < day
    ]
    return before[-1] if before else None


def due_occurrences(plan: Plan, now: datetime.datetime | None = None) -> list[datetime.date]:
    """The reference dates of ``plan`` whose run time has passed since the plan became
    active (created, re-enabled or rescheduled) and that have no run yet, oldest first.

    A disabled plan has none. Occurrences already run, by the schedule or by hand (执行),
    are left out whatever became of them (a failed one is run again only by hand)."""
    if not plan.enabled:
        return []
    now = now or timezone.now()
    since = plan.active_since
    start, end = _beijing_date(since), _beijing_date(now)
    if end < start:
        return []
    taken = set(
        PlanRun.objects.filter(plan=plan, occurrence__gte=start).values_list(
            "occurrence", flat=True
        )
    )
    return [
        day
        for day in reference_dates(plan, start, end)
        if since < moment(plan, day) <= now and day not in taken
    ]


def next_occurrence(plan: Plan, now: datetime.datetime | None = None) -> datetime.date | None:
    """The next reference date the schedule will run (after ``now``), or None: disabled,
    a fixed date already past, or no calendar that far."""
    if not plan.enabled:
        return None
    now = now or timezone.now()
    start = max(_beijing_date(now), _beijing_date(plan.active_since))
    taken = set(
        PlanRun.objects.filter(plan=plan, occurrence__gte=start).values_list(
            "occurrence", flat=True
        )
    )
    end = start + datetime.timedelta(days=LOOKAHEAD_DAYS)
    if plan.reference_kind == ReferenceKind.FIXED and plan.fixed_date:
        end = max(end, plan.fixed_date)
    for day in reference_dates(plan, start, end):
        when = moment(plan, day)
        if when > now and when > plan.active_since and day not in taken:
            return day
    return None
