"""What the customer 360 page (客户全景) shows, apart from the page itself.

Sections registry
-----------------
The page ends with a list of *sections* that later apps fill in (callbacks adds 回访任务
and 回访记录, surveys 问卷结果, measures 管理措施 …). Because an app may only import apps to
its left, customers cannot know them; instead they register a provider here from their
``AppConfig.ready``::

    from huifang.customers.customer360 import Section, register_section

    def tasks_section(request, customer, year):
        rows = CallbackTask.objects.restrict(request.user, "view").filter(customer=customer)
        return Section("回访任务", "callbacks/_customer_tasks.html", {"tasks": rows[:50]})

    register_section("tasks", tasks_section, order=10)

A provider is called with ``(request, customer, year)`` for a customer the user may see
and returns a :class:`Section` (title, template, context) or ``None`` to hide itself. It
must restrict its own querysets (``restrict(request.user, "view")``) and mask personal
data. Registering under an existing key replaces that provider.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import ExpressionWrapper, F, Max, Sum
from django.db.models.functions import ExtractYear
from django.http import HttpRequest
from django.utils import timezone

from huifang.core.fields import MoneyField
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate, ProductHolding


class Section(NamedTuple):
    title: str
    template: str
    context: dict[str, Any]


SectionProvider = Callable[[HttpRequest, Customer, int], Section | None]


class _Entry(NamedTuple):
    order: int
    provider: SectionProvider


_SECTIONS: dict[str, _Entry] = {}


def register_section(key: str, provider: SectionProvider, order: int = 100) -> None:
    """Add (or, for an existing ``key``, replace) a section of the 360 page."""
    _SECTIONS[key] = _Entry(order, provider)


def sections_for(request: HttpRequest, customer: Customer, year: int) -> list[Section]:
    """The registered sections in display order, without the ones that chose to hide."""
    chosen = []
    for _key, entry in sorted(_SECTIONS.items(), key=lambda item: (item[1].order, item[0])):
        section = entry.provider(request, customer, year)
        if section is not None:
            chosen.append(section)
    return chosen


# --- figures of the year -------------------------------------------------------------


class YearTotals(NamedTuple):
    volume: int
    pnl: Decimal
    deposit: Decimal
    withdrawal: Decimal
    days: int


def available_years(customer: Customer) -> list[int]:
    """Years with daily rows (from the ~12-rows-a-year aggregates), newest first."""
    years = (
        MonthlyAggregate.objects.filter(customer=customer)
        .annotate(y=ExtractYear("month"))
        .order_by("-y")
        .values_list("y", flat=True)
        .distinct()
    )
    return list(years)


def newest_daily_date() -> datetime.date | None:
    """The newest trade date of any daily account row (the table is keyed by it)."""
    return DailyBalance.objects.aggregate(newest=Max("trade_date"))["newest"]


def default_year(years: list[int]) -> int:
    """The year the page opens on: the customer's newest year with daily rows; for a
    customer without any, the year of the newest daily data of all (not the calendar
    year, which may have none yet); today's year only on an empty database."""
    if years:
        return years[0]
    newest = newest_daily_date()
    return newest.year if newest is not None else timezone.localdate().year


def year_totals(customer: Customer, year: int) -> YearTotals:
    """本年度成交手数, 盈亏 (平仓 + 持仓 − 手续费), 入金, 出金: summed in SQL over integer fen."""
    sums = MonthlyAggregate.objects.filter(
        customer=customer,
        month__gte=datetime.date(year, 1, 1),
        month__lte=datetime.date(year, 12, 1),
    ).aggregate(
        volume=Sum("volume"),
        pnl=Sum("pnl"),
        deposit=Sum("deposit"),
        withdrawal=Sum("withdrawal"),
        days=Sum("days"),
    )
    zero = Decimal("0.00")
    return YearTotals(
        volume=sums["volume"] or 0,
        pnl=sums["pnl"] if sums["pnl"] is not None else zero,
        deposit=sums["deposit"] if sums["deposit"] is not None else zero,
        withdrawal=sums["withdrawal"] if sums["withdrawal"] is not None else zero,
        days=sums["days"] or 0,
    )


def daily_series(customer: Customer, year: int) -> dict[str, list]:
    """The year's daily equity and PnL for the chart; amounts as exact decimal strings."""
    rows = (
        DailyBalance.objects.of_customer(
            customer, datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        )
        .order_by("trade_date")
        # Without the wrapper the sum would come back as raw fen (an IntegerField).
        .annotate(
            pnl=ExpressionWrapper(
                F("close_pnl") + F("position_pnl") - F("fee"), output_field=MoneyField()
            )
        )
        .values_list("trade_date", "equity", "pnl")
    )
    dates, equity, pnl = [], [], []
    for day, day_equity, day_pnl in rows:
        dates.append(day.isoformat())
        equity.append(str(day_equity))
        pnl.append(str(day_pnl))
    return {"dates": dates, "equity": equity, "pnl": pnl}


def products(customer: Customer):
    return ProductHolding.objects.filter(customer=customer).order_by(
        "-business_date", "product_code"
    )
