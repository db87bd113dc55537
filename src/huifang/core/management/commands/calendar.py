"""``huifang calendar seed [--year Y] [--replace]`` and ``huifang calendar show YEAR``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit, calendar
from huifang.core.models import CalendarYear

OUTCOMES = {
    "created": "已导入",
    "replaced": "已按 chinesecalendar 重新导入",
    "unchanged": "无变化",
    "kept": "已存在，保留现有维护结果（如需覆盖请加 --replace）",
}


class Command(BaseCommand):
    help = "交易日历：seed（从 chinesecalendar 导入节假日）/ show（查看某年）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="从 chinesecalendar 导入节假日（可重复运行）")
        seed.add_argument(
            "--year", type=int, help="只导入这一年；省略表示 chinesecalendar 的所有年份"
        )
        seed.add_argument(
            "--replace",
            action="store_true",
            help="已存在的年份也按 chinesecalendar 覆盖（会撤销手工修改）",
        )
        show = sub.add_parser("show", help="列出某年的节假日与交易日数")
        show.add_argument("year", type=int)

    def handle(self, *args, action, **options):
        if action == "show":
            self.show(options["year"])
        else:
            self.seed(options["year"], options["replace"])

    def seed(self, year: int | None, replace: bool) -> None:
        known = calendar.chinesecalendar_years()
        if year is not None and year not in known:
            raise CommandError(
                f"chinesecalendar 没有 {year} 年的数据（只有 {known.start}–{known.stop - 1} 年），"
                "请在 系统管理 → 交易日历 中手工维护"
            )
        years = [year] if year is not None else list(known)
        with audit.acting(label="command:calendar"):
            for each in years:
                try:
                    outcome = calendar.do_seed_year(each, replace=replace)
                except ValidationError as exc:
                    raise CommandError("；".join(exc.messages)) from exc
                self.stdout.write(f"{each} 年：{OUTCOMES[outcome]}")

    def show(self, year: int) -> None:
        calendar_year = CalendarYear.objects.filter(year=year).first()
        if calendar_year is None:
            raise CommandError(str(calendar.CalendarMissing(year)))
        holidays = list(calendar_year.holidays.order_by("date"))
        state = "已维护完成" if calendar_year.is_complete else "维护中（截止日暂不可用）"
        self.stdout.write(f"{year} 年交易日历：{state}，来源 {calendar_year.get_source_display()}")
        for holiday in holidays:
            mark = "" if holiday.date.weekday() < 5 else "（周末）"
            self.stdout.write(
                f"  {holiday.date:%Y-%m-%d} 周{'一二三四五六日'[holiday.date.weekday()]} "
                f"{holiday.name}{mark}"
            )
        if calendar_year.is_complete:
            self.stdout.write(
                f"节假日 {len(holidays)} 天，交易日 {len(calendar.trading_days_of(year))} 天"
            )
        else:
            self.stdout.write(f"节假日 {len(holidays)} 天（尚未标记维护完成）")
