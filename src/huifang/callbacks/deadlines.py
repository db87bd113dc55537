"""Task deadlines (截止日期) from a business type's rule and the trading-day calendar.

Two rules (``BusinessType.deadline_rule``):

- ``trading_days``: the N-th trading day after the batch's creation date (the creation day
  itself is not counted). Weekends, public holidays and make-up working days are closed.
- ``birthday_month_end``: the last day of the month after the month in which the customer
  reaches ``event_age`` (the exchanges' 年满70周岁 rule: a trader not met by the end of the
  month after turning 70 gets restricted). Someone born on 29 February reaches the age on
  1 March in a common year. When that deadline has already passed on the batch day, or the
  birth date is unknown, the trading-day deadline applies instead.

A trading-day deadline that reaches into a year HQ has not maintained yet is computed on
the provisional calendar (:mod:`huifang.core.calendar`) and marked 暂定
(``DeadlinePlan.provisional``); it is recomputed when HQ maintains the year. The birthday
deadlines (month ends) do not depend on the calendar and are never 暂定. A year with no
calendar at all raises :class:`CalendarMissing`: the batch is refused.

The birthday rule is turned into one SQL ``CASE`` over birth-date ranges: the deadline is a
non-decreasing step function of the birth date, one step per month, so a batch needs as
many ``WHEN`` branches as there are months between the earliest still-open event and the
youngest customer, not one per customer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from huifang.callbacks.choices import DeadlineRule
from huifang.callbacks.models import BusinessType
from huifang.core.calendar import (
    CalendarMissing,
    add_trading_days,
    end_of_month_after,
    provisional_between,
)

__all__ = ["CalendarMissing", "DeadlinePlan", "birthday_event", "deadline_for", "plan"]


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_event(birth: datetime.date, age: int) -> datetime.date:
    """The day someone born on ``birth`` completes ``age`` years (29 Feb → 1 Mar)."""
    year = birth.year + age
    if birth.month == 2 and birth.day == 29 and not _is_leap(year):
        return datetime.date(year, 3, 1)
    return birth.replace(year=year)


def _month_start_birth(year: int, month: int, age: int) -> datetime.date:
    """The earliest birth date whose ``age``-th birthday falls in ``year``-``month`` or later."""
    birth_year = year - age
    if month == 3 and _is_leap(birth_year) and not _is_leap(year):
        return datetime.date(birth_year, 2, 29)  # turns ``age`` on 1 March
    return datetime.date(birth_year, month, 1)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class DeadlinePlan:
    """The deadline(s) of a batch created on ``day``.

    ``fallback`` is the trading-day deadline; ``steps`` (birthday rule only) are
    ``(lowest birth date, deadline)`` pairs in increasing order: a customer born on or
    after a step's date (and before the next step's) gets that step's deadline; anyone
    born before the first step, or with no birth date, gets ``fallback``. ``provisional``:
    ``fallback`` was computed on the provisional calendar (暂定); steps never are.
    """

    fallback: datetime.date
    steps: tuple[tuple[datetime.date, datetime.date], ...] = ()
    provisional: bool = False

    def is_provisional(self, birth: datetime.date | None) -> bool:
        """Whether the deadline of someone born on ``birth`` is 暂定."""
        return self.provisional and (birth is None or not self.steps or birth < self.steps[0][0])

    def for_birth(self, birth: datetime.date | None) -> datetime.date:
        chosen = self.fallback
        if birth is None:
            return chosen
        for lowest, deadline in self.steps:
            if birth >= lowest:
                chosen = deadline
        return chosen

    def sql_case(self, column: str) -> tuple[str, list]:
        """``CASE`` over ``column`` (a birth date column) and its parameters."""
        if not self.steps:
            return "%s", [self.fallback]
        branches, params = [], []
        for lowest, deadline in reversed(self.steps):
            branches.append(f"WHEN {column} >= %s THEN %s")
            params += [lowest, deadline]
        return f"CASE {' '.join(branches)} ELSE %s END", [*params, self.fallback]

    def sql_provisional(self, column: str) -> tuple[str, list]:
        """Whether the deadline is 暂定, over ``column`` (the same birth date column)."""
        if not self.steps or not self.provisional:
            return "%s", [self.provisional]
        return f"CASE WHEN {column} >= %s THEN %s ELSE %s END", [self.steps[0][0], False, True]


def plan(
    business_type: BusinessType,
    day: datetime.date,
    youngest_birth: datetime.date | None = None,
) -> DeadlinePlan:
    """The deadline plan of a batch of ``business_type`` created on ``day``.

    ``youngest_birth`` (the latest birth date among the batch's customers) bounds the
    birthday rule's steps. Raises :class:`CalendarMissing` for an unmaintained year.
    """
    fallback = add_trading_days(day, business_type.deadline_days)
    provisional = provisional_between(day, fallback)
    if business_type.deadline_rule != DeadlineRule.BIRTHDAY_MONTH_END or youngest_birth is None:
        return DeadlinePlan(fallback, provisional=provisional)
    age = business_type.event_age
    # The first event month whose "end of the following month" is not yet past on ``day``.
    year, month = _add_months(day.year, day.month, -1)
    last = birthday_event(youngest_birth, age)
    steps = []
    while (year, month) <= (last.year, last.month):
        deadline = end_of_month_after(datetime.date(year, month, 1))
        steps.append((_month_start_birth(year, month, age), deadline))
        year, month = _add_months(year, month, 1)
    return DeadlinePlan(fallback, tuple(steps), provisional)


def deadline_for(
    business_type: BusinessType, day: datetime.date, birth: datetime.date | None
) -> datetime.date:
    """One customer's deadline (the same answer the batch's SQL gives)."""
    return plan(business_type, day, birth).for_birth(birth)
