"""``huifang calendar import YEAR FILE`` and ``show YEAR`` in December of a year whose
successor chinesecalendar does not know (2027): the provisional calendar is shown, the
official schedule is imported all or nothing, audited as a command.

The schedule files here are made for the tests from the statutory holidays plus a made-up
closure; they are not (and must not be taken for) the official 2027 schedule.
"""

from __future__ import annotations

import datetime
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from huifang.core import calendar
from huifang.core.models import AuditEvent, CalendarHoliday, CalendarYear

D = datetime.date
pytestmark = pytest.mark.django_db
TEST_CLOSURE = D(2027, 1, 4)  # made up: the Monday after 元旦, closed in the test schedule
MAKE_UP_SATURDAY = D(2027, 1, 9)


@pytest.fixture(autouse=True)
def december(monkeypatch):
    """Today is 2026-12-02: chinesecalendar (and the seeded calendar) ends with 2026."""
    real = calendar.timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: D(2026, 12, 2) if value is None else real(value),
    )
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def _run(*args) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def schedule_rows() -> list[list[str]]:
    rows = [["日期", "类型", "名称"]]
    rows += [[f"{d:%Y-%m-%d}", "放假", n] for d, n in calendar.statutory_holidays(2027).items()]
    rows += [[f"{TEST_CLOSURE:%Y-%m-%d}", "放假", "测试休市"]]
    rows += [[f"{MAKE_UP_SATURDAY:%Y-%m-%d}", "上班", "测试调休"]]
    return rows


def write_csv(tmp_path, rows, name="2027.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding=encoding)
    return path


def test_show_of_next_year_lists_the_provisional_holidays():
    output = _run("show", "2027")
    assert "2027 年交易日历：暂定" in output
    assert "2027-02-06 周六 春节（暂定）（周末）" in output
    assert "2027-02-05 周五 春节（暂定）" in output
    assert f"交易日 {len(calendar.trading_days_of(2027))} 天（暂定）" in output
    assert not CalendarYear.objects.filter(year=2027).exists()  # nothing stored by showing


def test_import_creates_the_year_complete_and_audits_it_as_a_command(tmp_path):
    output = _run("import", "2027", str(write_csv(tmp_path, schedule_rows())))

    year = CalendarYear.objects.get(year=2027)
    assert year.is_complete and year.source == CalendarYear.Source.IMPORT
    closed = set(CalendarHoliday.objects.filter(calendar_year=year).values_list("date", flat=True))
    assert closed == {*calendar.statutory_holidays(2027), TEST_CLOSURE}
    assert not calendar.is_provisional(2027)
    assert not calendar.is_trading_day(TEST_CLOSURE)
    assert not calendar.is_trading_day(MAKE_UP_SATURDAY)  # 调休上班 Saturday: exchanges closed
    event = AuditEvent.objects.get(action="calendar_import", object_id="2027")
    assert event.actor_label == "command:calendar"
    assert event.after["workdays"] == ["2027-01-09"]
    assert "2027 年：已导入官方节假日安排（放假 14 天" in output
    assert "调休上班 1 天" in output
    assert "2027 年交易日历：已维护完成，来源 官方安排文件导入" in _run("show", "2027")


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write_csv(tmp_path, schedule_rows())
    _run("import", "2027", str(path))
    events = AuditEvent.objects.count()
    assert "无变化" in _run("import", "2027", str(path))
    assert AuditEvent.objects.count() == events


def test_import_reads_an_xlsx_with_date_cells_and_gbk_csv(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in schedule_rows():
        day = row[0]
        sheet.append([D.fromisoformat(day) if day != "日期" else day, *row[1:]])
    workbook.save(tmp_path / "2027.xlsx")
    _run("import", "2027", str(tmp_path / "2027.xlsx"))
    assert CalendarHoliday.objects.filter(date=TEST_CLOSURE, name="测试休市").exists()

    gbk = write_csv(tmp_path, schedule_rows()[:-2], name="gbk.csv", encoding="gb18030")
    _run("import", "2027", str(gbk))
    assert not CalendarHoliday.objects.filter(date=TEST_CLOSURE).exists()  # replaced


def test_import_replaces_an_incomplete_year_hq_started_by_hand(tmp_path, personas):
    calendar.do_create_year(2027, actor=personas["hq_admin"])
    calendar.do_add_holiday(2027, D(2027, 3, 1), "手工误录", actor=personas["hq_admin"])
    _run("import", "2027", str(write_csv(tmp_path, schedule_rows())))
    assert not CalendarHoliday.objects.filter(date=D(2027, 3, 1)).exists()
    event = AuditEvent.objects.get(action="calendar_import")
    assert ["2027-03-01", "手工误录"] in event.before["holidays"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: [*rows, ["2027-02-30", "放假", "春节"]], "第 17 行：日期“2027-02-30”不存在"),
        (lambda rows: [*rows, ["2027-03-01", "补休", "x"]], "类型“补休”无法识别"),
        (lambda rows: [*rows, ["2026-12-31", "放假", "元旦"]], "2026-12-31 不在 2027 年内"),
        (
            lambda rows: [*rows, ["2027-03-03", "上班", ""]],
            "2027-03-03 是周三，调休上班日应为周六或周日",
        ),
        (lambda rows: [*rows, ["2027-10-01", "放假", "国庆节"]], "与第 "),
        (lambda rows: [*rows, ["2027-03-05", "放假", ""]], "2027-03-05 缺少节假日名称"),
        (
            lambda rows: [r for r in rows if r[0] != "2027-02-05"],
            "缺少法定节假日 2027-02-05（春节）",
        ),
        (lambda rows: [["日期", "名称"], *[[r[0], r[2]] for r in rows[1:]]], "表头缺少列：类型"),
        (lambda rows: rows[:1], "没有 2027 年的放假日期"),
    ],
)
def test_a_bad_file_is_refused_with_a_chinese_message_and_writes_nothing(tmp_path, edit, message):
    path = write_csv(tmp_path, edit(schedule_rows()))

    with pytest.raises(CommandError, match="文件未导入") as info:
        _run("import", "2027", str(path))

    assert message in str(info.value)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEvent.objects.filter(action="calendar_import").exists()


def test_a_file_of_another_kind_or_missing_is_refused(tmp_path):
    (tmp_path / "2027.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match=r"文件须为 \.csv 或 \.xlsx"):
        _run("import", "2027", str(tmp_path / "2027.json"))
    with pytest.raises(CommandError, match="文件不存在"):
        _run("import", "2027", str(tmp_path / "none.csv"))
    assert not CalendarYear.objects.filter(year=2027).exists()
