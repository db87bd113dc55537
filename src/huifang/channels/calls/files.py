"""Reading a call-result file (CSV in UTF-8/GBK, or XLSX) into rows keyed by field."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError

from huifang.core.uploads import check_xlsx
from huifang.customers.importers.cells import clean
from huifang.customers.importers.readers import SourceError, open_table


def _cell(value) -> object:
    # A spreadsheet's date-time cell keeps its time (the shared ``clean`` keeps the date).
    if isinstance(value, datetime.datetime):
        return value
    return clean(value)


def _xlsx_rows(path: Path):
    from openpyxl import load_workbook

    check_xlsx(path)  # a zip bomb is refused before openpyxl expands it
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or disguised file
        raise ValidationError("无法读取 Excel 文件，请确认是 .xlsx 格式") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(v) for v in values]
    finally:
        workbook.close()


def _csv_rows(path: Path):
    try:
        table = open_table(path)
    except SourceError as exc:
        raise ValidationError(str(exc)) from exc
    try:
        yield 1, table.header
        yield from table.rows
    except SourceError as exc:
        raise ValidationError(str(exc)) from exc
    finally:
        table.close()


def read_rows(path, columns: dict[str, str], required: list[str], *, limit: int):
    """``[(row number, {field: cell})]`` of the file's non-blank data rows; the header
    maps Chinese column names to fields. A missing column, an unreadable file or more than
    ``limit`` rows raise ValidationError (Chinese)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        source = _xlsx_rows(path)
    elif suffix in (".csv", ".txt"):
        source = _csv_rows(path)
    else:
        raise ValidationError("文件须为 .csv 或 .xlsx")
    header = None
    rows = []
    for number, cells in source:
        if header is None:
            header = [str(c or "").strip().lstrip("\ufeff") for c in cells]
            missing = [name for name in required if name not in header]
            if missing:
                raise ValidationError(f"缺少列：{'、'.join(missing)}")
            continue
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        row = {}
        for name, value in zip(header, cells, strict=False):
            field = columns.get(name)
            if field is not None:
                row[field] = value if isinstance(value, datetime.datetime) else str(value).strip()
        rows.append((number, row))
        if len(rows) > limit:
            raise ValidationError(f"一次最多导入 {limit} 行")
    if header is None:
        raise ValidationError("文件是空的")
    return rows
