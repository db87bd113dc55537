"""Reading HQ's official holiday schedule of one year from a file (``huifang calendar
import`` and the calendar page's upload share it).

The file is a CSV (UTF-8 with or without BOM, or GB18030 as Excel on a Chinese Windows
writes it) or the first sheet of an .xlsx, with a header row naming the columns
``日期``, ``类型`` and ``名称`` (any order, other columns ignored) and one row per day:

- 类型 放假 (also 休市, 休息, 休假): a day off, with its holiday name (名称, required);
- 类型 上班 (also 调休上班, 补班): a make-up working day; it is a weekend and stays closed
  for the exchanges, so it is checked and recorded in the audit row only.

Dates as ``2027-02-05``, ``2027/2/5``, ``20270205``, ``2027年2月5日`` or an Excel date
cell. Any problem refuses the whole file with every problem listed, by row.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

MAX_BYTES = 1 << 20
MAX_PROBLEMS = 50
CLOSED_KINDS = ("放假", "休市", "休息", "休假")
WORKDAY_KINDS = ("上班", "调休上班", "补班")
COLUMNS = ("日期", "类型", "名称")
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})"
)


@dataclass
class Schedule:
    """A year's official schedule as read from a file."""

    closed: dict[datetime.date, str] = field(default_factory=dict)
    workdays: list[datetime.date] = field(default_factory=list)


def _rows_of_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes any byte string; kept for clarity
        raise ValidationError("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV")
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def _rows_of_xlsx(data: bytes) -> list[list]:
    from python_calamine import CalamineError, CalamineWorkbook

    from huifang.core.uploads import check_xlsx

    check_xlsx(io.BytesIO(data), len(data))  # a workbook, not one expanding to GBs
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise ValidationError(f"无法读取 Excel 文件：{exc}") from exc


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = _DATE.fullmatch(_text(value))
    if match is None:
        raise ValueError(f"日期“{_text(value)}”无法识别，请写成 2027-02-05")
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        return datetime.date(*parts)
    except ValueError as exc:
        raise ValueError(f"日期“{_text(value)}”不存在") from exc


def read_schedule(data: bytes, file_name: str) -> Schedule:
    """The schedule in ``data`` (the bytes of a file called ``file_name``); ValidationError
    listing every problem (Chinese, by row) when anything is wrong."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx"):
        raise ValidationError("文件须为 .csv 或 .xlsx")
    if not data:
        raise ValidationError("文件是空的")
    if len(data) > MAX_BYTES:
        raise ValidationError("文件超过 1 MB，不像是一年的节假日安排")
    rows = _rows_of_xlsx(data) if suffix == ".xlsx" else _rows_of_csv(data)
    rows = [row for row in rows if any(_text(cell) for cell in row)]
    if not rows:
        raise ValidationError("文件是空的")
    header = [_text(cell).lstrip("\ufeff") for cell in rows[0]]
    missing = [name for name in COLUMNS[:2] if name not in header]
    if missing:
        raise ValidationError(
            f"表头缺少列：{'、'.join(missing)}（第一行须为列名：日期、类型、名称）"
        )
    at = {name: header.index(name) for name in COLUMNS if name in header}
    schedule, problems, seen = Schedule(), [], {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: row[i] if i < len(row) else "" for name, i in at.items()}
        try:
            day = _date(cells["日期"])
        except ValueError as exc:
            problems.append(f"第 {number} 行：{exc}")
            continue
        if day in seen:
            problems.append(f"第 {number} 行：{day:%Y-%m-%d} 与第 {seen[day]} 行重复")
            continue
        seen[day] = number
        kind = _text(cells["类型"])
        if kind in CLOSED_KINDS:
            schedule.closed[day] = _text(cells.get("名称"))
        elif kind in WORKDAY_KINDS:
            schedule.workdays.append(day)
        else:
            problems.append(
                f"第 {number} 行：类型“{kind}”无法识别，应为 放假 或 上班（调休上班日）"
            )
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise ValidationError(
            problems[:MAX_PROBLEMS] + ([f"另有 {more} 处问题"] if more > 0 else [])
        )
    return schedule
