"""Whether the data a screening date needs is all there yet.

Preparing the year-end list a few days early (D = 12-31 on 12-20) is legitimate, but its
figures are then incomplete: the daily account rows after today, or after the newest
imported day, are missing. Pages and the command warn about such a D, and freezing such a
run needs an explicit confirmation that is stored with the run (see
``services.do_freeze_run``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from huifang.core import calendar
from huifang.customers.customer360 import newest_daily_date


@dataclass(frozen=True)
class DataGap:
    """D is after today and/or after the newest daily-data date (``newest_daily``)."""

    as_of: datetime.date
    today: datetime.date
    newest_daily: datetime.date | None
    after_today: bool
    after_daily: bool

    @property
    def message(self) -> str:
        reasons = []
        if self.after_today:
            reasons.append(f"晚于今天（{self.today:%Y-%m-%d}）")
        if self.after_daily:
            reasons.append(f"晚于最新客户资金日报日期 {self.newest_daily:%Y-%m-%d}")
        text = f"回访基准日 {self.as_of:%Y-%m-%d} {'且'.join(reasons)}"
        if self.after_daily:
            return f"{text}，此后的日报尚未导入，筛选结果不完整"
        if self.newest_daily:
            return f"{text}，筛选结果不完整；最新客户资金日报日期为 {self.newest_daily:%Y-%m-%d}"
        return f"{text}，筛选结果不完整；尚无客户资金日报"

    @property
    def refusal(self) -> str:
        return (
            f"{self.message}。如确需按不完整的数据落地，请勾选确认（命令行加 --allow-incomplete）"
        )

    @property
    def command_refusal(self) -> str:
        """The refusal of ``huifang screen --freeze``: the newest daily-data date and the
        two ways on, in the command line's words (no checkbox)."""
        if self.newest_daily is None:
            way = "请先导入客户资金日报（huifang import daily 文件）"
        elif self.after_daily:
            way = (
                f"请先导入 {self.newest_daily:%Y-%m-%d} 之后至基准日的客户资金日报"
                "（huifang import daily 文件）再落地"
            )
        else:
            way = "请在基准日的日报导入后再落地"
        return (
            f"{self.message}，未落地。{way}；"
            f"如确需按不完整的数据落地，请加 --allow-incomplete 重新运行"
        )


def default_as_of() -> datetime.date:
    """The reference date a screening form offers: the newest daily-data date when that is
    before today (a D after it would be incomplete, and freezing it would need a
    confirmation), else today."""
    today = timezone.localdate()
    newest = newest_daily_date()
    return newest if newest is not None and newest < today else today


def _missing_trading_days(newest: datetime.date, as_of: datetime.date) -> bool:
    """Whether a trading day in (newest, D] has no data: a D on the weekend or holiday
    right after the last trading day is complete. Without a maintained calendar for the
    years involved, every later calendar day counts as missing (never guess "complete")."""
    if as_of <= newest:
        return False
    try:
        return calendar.trading_days_between(newest, as_of) > 0
    except calendar.CalendarMissing:
        return True


def data_gap(as_of: datetime.date) -> DataGap | None:
    """A :class:`DataGap` when screening as of ``as_of`` would miss data, else ``None``.

    With no daily data at all only the "after today" test applies: there is no newest
    date to compare with (customer-only rules such as A003 still have their data).
    """
    today = timezone.localdate()
    newest = newest_daily_date()
    after_today = as_of > today
    after_daily = newest is not None and _missing_trading_days(newest, as_of)
    if not (after_today or after_daily):
        return None
    return DataGap(as_of, today, newest, after_today, after_daily)
