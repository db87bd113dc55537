"""Pages of the trading-day calendar: the years, one year's holidays, and HQ's edits.

Every edit is a POST that calls a service in :mod:`huifang.core.calendar` (one transaction
with its audit row). Viewing needs ``core.view_calendaryear``, editing
``core.change_calendaryear``; without it the answer is 403.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from huifang.core import calendar
from huifang.core.calendar_files import read_schedule
from huifang.core.calendar_forms import DeadlineCheckForm, HolidayForm, ScheduleImportForm, YearForm
from huifang.core.models import CalendarHoliday, CalendarYear

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


def _require(request, action: str) -> None:
    if not request.user.has_perm(f"core.{action}_calendaryear"):
        raise PermissionDenied(
            "您没有维护交易日历的权限" if action != "view" else "您没有查看交易日历的权限"
        )


def _weekdays_in(year: int) -> int:
    return sum(
        1
        for month in range(1, 13)
        for week in stdlib_calendar.monthcalendar(year, month)
        for index, day in enumerate(week)
        if day and index < 5
    )


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def calendar_index(request):
    """All maintained years, a form to start a new one, and a deadline tryout."""
    _require(request, "view")
    years = list(
        CalendarYear.objects.restrict(request.user, "view")
        .annotate(holiday_count=Count("holidays"))
        .order_by("-year")  # Meta.ordering is not applied to GROUP BY queries
    )
    weekday_holidays: dict[int, int] = {}
    for day in CalendarHoliday.objects.values_list("date", flat=True):
        if day.weekday() < 5:
            weekday_holidays[day.year] = weekday_holidays.get(day.year, 0) + 1
    for item in years:
        item.trading_day_count = _weekdays_in(item.year) - weekday_holidays.get(item.year, 0)
        item.has_provisional = calendar.has_provisional(item.year)

    check_form = DeadlineCheckForm(request.GET or None)
    check_result = check_error = None
    check_provisional = False
    if request.GET and check_form.is_valid():
        start, days = check_form.cleaned_data["start"], check_form.cleaned_data["days"]
        try:
            check_result = calendar.add_trading_days(start, days)
            check_provisional = calendar.provisional_between(start, check_result)
        except calendar.CalendarMissing as exc:
            check_error = str(exc)
    return render(
        request,
        "core/calendar.html",
        {
            "title": "交易日历",
            "years": years,
            "year_form": YearForm(),
            "check_form": check_form,
            "check_result": check_result,
            "check_provisional": check_provisional,
            "check_error": check_error,
            "can_change": request.user.has_perm(calendar.PERMISSION),
            "unmaintained": _unmaintained(years),
            "import_form": ScheduleImportForm(),
        },
    )


def _unmaintained(years: list[CalendarYear]) -> list[int]:
    """This year and next year when they are not complete: their deadlines are 暂定."""
    complete = {item.year for item in years if item.is_complete}
    this_year = timezone.localdate().year
    return [y for y in (this_year, this_year + 1) if y not in complete]


@require_POST
def calendar_year_create(request):
    _require(request, "change")
    form = YearForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect("core:calendar")
    try:
        calendar_year = calendar.do_create_year(form.cleaned_data["year"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("core:calendar")
    messages.success(
        request, f"已新建 {calendar_year.year} 年交易日历，请逐一添加节假日后标记维护完成"
    )
    return redirect("core:calendar_year", year=calendar_year.year)


def _months(year: int, closed: dict[datetime.date, str]) -> list[dict]:
    """Month grids (Monday first) whose cells say trading / weekend / holiday."""
    months = []
    for month in range(1, 13):
        weeks = []
        for week in stdlib_calendar.Calendar().monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append({"day": None})
                elif day in closed:
                    cells.append({"day": day.day, "kind": "holiday", "name": closed[day]})
                elif day.weekday() >= 5:
                    cells.append({"day": day.day, "kind": "weekend"})
                else:
                    cells.append({"day": day.day, "kind": "trading"})
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


def calendar_year(request, year: int, form: HolidayForm | None = None, status: int = 200):
    """One year: its holidays, the month grids and (for HQ) the edit forms; a year not
    maintained yet shows the provisional calendar its deadlines use (暂定)."""
    _require(request, "view")
    calendar_year = CalendarYear.objects.restrict(request.user, "view").filter(year=year).first()
    if calendar_year is None and not calendar.has_provisional(year):
        raise Http404(f"{year} 年没有交易日历")
    provisional = calendar.has_provisional(year) and not (
        calendar_year is not None and calendar_year.is_complete
    )
    holidays = list(calendar_year.holidays.order_by("date")) if calendar_year else []
    statutory = calendar.statutory_holidays(year) if provisional else {}
    closed = {h.date: h.name for h in holidays} if calendar_year else statutory
    return render(
        request,
        "core/calendar_year.html",
        {
            "title": f"{year} 年交易日历" + ("（暂定）" if calendar_year is None else ""),
            "year": year,
            "calendar_year": calendar_year,
            "holidays": holidays,
            "provisional": provisional,
            "statutory": sorted(statutory.items()),
            "months": _months(year, closed),
            "weekdays": WEEKDAYS,
            "form": form or HolidayForm(year=year),
            "import_form": ScheduleImportForm(initial={"year": year}),
            "can_change": request.user.has_perm(calendar.PERMISSION),
            "trading_day_count": _weekdays_in(year) - sum(1 for day in closed if day.weekday() < 5),
        },
        status=status,
    )


@require_POST
def calendar_import(request):
    """HQ uploads a year's official schedule (the file format of ``huifang calendar import``)."""
    _require(request, "change")
    form = ScheduleImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect("core:calendar")
    year, upload = form.cleaned_data["year"], form.cleaned_data["file"]
    try:
        schedule = read_schedule(upload.read(), upload.name)
        outcome, notes = calendar.do_import_year(
            year, schedule.closed, schedule.workdays, file_name=upload.name, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, f"文件未导入：{_error_text(exc)}")
        return redirect("core:calendar_year", year=year)
    if outcome == "unchanged":
        messages.info(request, f"{year} 年交易日历与文件相同，无变化")
    else:
        messages.success(
            request,
            f"已导入 {year} 年官方节假日安排（放假 {len(schedule.closed)} 天，"
            f"调休上班 {len(schedule.workdays)} 天）并标记维护完成。" + "；".join(notes),
        )
    return redirect("core:calendar_year", year=year)


@require_POST
def calendar_holiday_add(request, year: int):
    _require(request, "change")
    get_object_or_404(CalendarYear, year=year)
    form = HolidayForm(request.POST, year=year)
    if form.is_valid():
        try:
            holiday = calendar.do_add_holiday(
                year, form.cleaned_data["date"], form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已添加节假日 {holiday}")
            return redirect("core:calendar_year", year=year)
    return calendar_year(request, year, form=form, status=400)


@require_POST
def calendar_holiday_remove(request, year: int, pk: int):
    # Refused by the service (its PermissionDenied is the Chinese 403 page).
    holiday = get_object_or_404(CalendarHoliday, calendar_year_id=year, pk=pk)
    try:
        calendar.do_remove_holiday(holiday, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已删除节假日 {holiday}")
    return redirect("core:calendar_year", year=year)


@require_POST
def calendar_year_complete(request, year: int):
    # Refused by the service (its PermissionDenied is the Chinese 403 page).
    get_object_or_404(CalendarYear, year=year)
    complete = request.POST.get("complete") == "1"
    calendar.do_set_year_complete(year, complete, actor=request.user)
    if complete:
        messages.success(request, f"{year} 年交易日历已标记为维护完成，截止日计算将使用它")
    elif calendar.has_provisional(year):
        messages.warning(
            request, f"{year} 年交易日历已重新开放维护，落在该年的截止日将按暂定日历计算"
        )
    else:
        messages.warning(request, f"{year} 年交易日历已重新开放维护，落在该年的截止日将暂停计算")
    return redirect("core:calendar_year", year=year)
