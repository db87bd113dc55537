"""``huifang calendar seed [--year Y] [--replace]``, ``huifang calendar show YEAR`` and
``huifang calendar import YEAR FILE`` (the official schedule, format in
:mod:`huifang.core.calendar_files` and docs/operators.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit, calendar
from huifang.core.calendar_files import read_schedule
from huifang.core.models import CalendarYear
from huifang.core.output_files import input_path

OUTCOMES = {
    "created": "已导入",
    "replaced": "已按 chinesecalendar 重新导入",
    "unchanged": "无变化",
    "kept": "已存在，保留现有维护结果（如需覆盖请加 --replace）",
}


class Command(BaseCommand):
    help = (
        "交易日历：seed（从 chinesecalendar 导入节假日）/ show（查看某年）/ "
        "import（导入某年的官方节假日安排）"
    )

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
        show = sub.add_parser("show", help="列出某年的节假日与交易日数（未维护的年份显示暂定日历）")
        show.add_argument("year", type=int)
        load = sub.add_parser(
            "import",
            help="导入某年的官方节假日安排（CSV/XLSX：日期、类型 放假/上班、名称），"
            "标记维护完成并重算暂定截止日期",
        )
        load.add_argument("year", type=int)
        load.add_argument("file", help="节假日安排文件（.csv 或 .xlsx）")

    def handle(self, *args, action, **options):
        if action == "show":
            self.show(options["year"])
        elif action == "import":
            self.load(options["year"], options["file"])
        else:
            self.seed(options["year"], options["replace"])

    def load(self, year: int, file: str) -> None:
        path = input_path(file)
        try:
            schedule = read_schedule(path.read_bytes(), path.name)
            with audit.acting(label="command:calendar"):
                outcome, notes = calendar.do_import_year(
                    year, schedule.closed, schedule.workdays, file_name=path.name
                )
        except ValidationError as exc:
            raise CommandError("文件未导入：\n" + "\n".join(exc.messages)) from exc
        if outcome == "unchanged":
            self.stdout.write(f"{year} 年：与已维护的交易日历相同，无变化")
            for note in notes:
                self.stdout.write(note)
            return
        weekdays = sum(1 for day in schedule.closed if day.weekday() < 5)
        self.stdout.write(
            f"{year} 年：已导入官方节假日安排（放假 {len(schedule.closed)} 天，其中工作日 "
            f"{weekdays} 天；调休上班 {len(schedule.workdays)} 天，期货交易所不交易），"
            f"已标记维护完成，交易日 {len(calendar.trading_days_of(year))} 天"
        )
        for note in notes:
            self.stdout.write(note)

    def seed(self, year: int | None, replace: bool) -> None:
        known = calendar.chinesecalendar_years()
        if year is not None and year not in known:
            raise CommandError(
                f"chinesecalendar 没有 {year} 年的数据（只有 {known.start}–{known.stop - 1} 年），"
                f"请用 huifang calendar import {year} 文件 导入官方节假日安排，或在 系统管理 → 交易日历 中维护"
            )
        years = [year] if year is not None else list(known)
        with audit.acting(label="command:calendar"):
            for each in years:
                try:
                    outcome = calendar.do_seed_year(each, replace=replace)
                except ValidationError as exc:
                    raise CommandError("；".join(exc.messages)) from exc
                self.stdout.write(f"{each} 年：{OUTCOMES[outcome]}")

    def _line(self, day, name: str) -> None:
        mark = "" if day.weekday() < 5 else "（周末）"
        self.stdout.write(f"  {day:%Y-%m-%d} 周{'一二三四五六日'[day.weekday()]} {name}{mark}")

    def show_provisional(self, year: int) -> None:
        self.stdout.write(
            f"{year} 年交易日历：暂定（尚未维护，按法定节假日推算；官方安排发布后请用 "
            f"huifang calendar import {year} 文件 导入）"
        )
        closed = calendar.statutory_holidays(year)
        for day, name in closed.items():
            self._line(day, f"{name}（暂定）")
        self.stdout.write(
            f"节假日 {len(closed)} 天（暂定），交易日 {len(calendar.trading_days_of(year))} 天（暂定）"
        )

    def show(self, year: int) -> None:
        calendar_year = CalendarYear.objects.filter(year=year).first()
        if calendar_year is None:
            if not calendar.has_provisional(year):
                raise CommandError(str(calendar.CalendarMissing(year)))
            self.show_provisional(year)
            return
        holidays = list(calendar_year.holidays.order_by("date"))
        provisional = not calendar_year.is_complete and calendar.has_provisional(year)
        if calendar_year.is_complete:
            state = "已维护完成"
        elif provisional:
            state = "维护中（截止日按暂定日历计算）"
        else:
            state = "维护中（截止日暂不可用）"
        self.stdout.write(f"{year} 年交易日历：{state}，来源 {calendar_year.get_source_display()}")
        for holiday in holidays:
            self._line(holiday.date, holiday.name)
        if calendar_year.is_complete:
            self.stdout.write(
                f"节假日 {len(holidays)} 天，交易日 {len(calendar.trading_days_of(year))} 天"
            )
        else:
            self.stdout.write(f"节假日 {len(holidays)} 天（尚未标记维护完成）")
            if provisional:
                self.stdout.write("截止日暂按以下暂定日历计算：")
                self.show_provisional(year)
