"""Writing tables to CSV and XLSX, streamed, with formula injection neutralised.

CSV is UTF-8 with BOM so that Excel on a Chinese Windows opens it correctly. Cells that
begin with ``= + - @``, tab or CR get a leading apostrophe (OWASP's advice), except plain
negative numbers, which stay numbers. Aware datetimes are written at local time
(Asia/Shanghai), whatever zone they come in.

These are the file formats; what is exported, masked and audited is decided in one place,
``core.exporter.Exporter``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

import xlsxwriter
from django.utils import timezone

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
DANGEROUS_FIRST = frozenset(DANGEROUS)
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class Percent(Decimal):
    """A ratio (0.7263) that reads as a percentage: ``72.63%`` as text (CSV, pages, the API)
    and a number formatted ``0.00%`` in an XLSX, so Excel can sort and sum it."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{(Decimal(self) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def neutralise(value) -> str:
    # Plain text is most cells of a screening or task file: decide it before the other
    # types, and look at the first character only (a third of `huifang screen --out`'s
    # CPU went here when every cell walked the type checks and startswith first).
    if type(value) is str:
        if value and value[0] in DANGEROUS_FIRST and not NUMBER.match(value):
            return "'" + value
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if _dangerous(text) else text


def _local(value: datetime.datetime) -> datetime.datetime:
    """A datetime as a spreadsheet shows it: naive, at local time if it was aware."""
    if timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _dangerous(text: str) -> bool:
    """Whether a text cell needs the apostrophe of :func:`neutralise`."""
    return text.startswith(DANGEROUS) and not NUMBER.match(text)


class _Echo:
    def write(self, value: str) -> str:
        return value


# The types whose text in a CSV file is what csv.writer makes of them by itself — ``str()``,
# None as an empty field — and what :func:`neutralise` makes of them too, except for the
# apostrophe before a dangerous first character, which :data:`DANGEROUS_FIELD` finds.
PLAIN_TYPES = frozenset({str, type(None), int, float, Decimal, Percent, datetime.date})
# A field of a written CSV line that begins with a character of DANGEROUS (inside its
# quotes when quoted), unless it is a plain negative number (:data:`NUMBER`): the first field
# (matched at the line's start) and the others (searched from a comma: sre skips to the
# commas). Also found where no field begins (a quoted field's inner comma): such a line is
# only written again cell by cell.
_DANGEROUS_START = r'"?(?:[=+@\t\r]|-(?!\d+(?:\.\d+)?(?:,|$)))'
DANGEROUS_FIRST_FIELD = re.compile(_DANGEROUS_START)
DANGEROUS_FIELD = re.compile("," + _DANGEROUS_START)


def csv_rows(header: list[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """Yield a UTF-8-BOM CSV document chunk by chunk (for StreamingHttpResponse)."""
    writer = csv.writer(_Echo())
    writerow, plain = writer.writerow, PLAIN_TYPES.issuperset
    dangerous_first, dangerous = DANGEROUS_FIRST_FIELD.match, DANGEROUS_FIELD.search
    yield ("\ufeff" + writerow(header)).encode("utf-8")
    buffer: list[str] = []
    for row in rows:
        if type(row) is not list and type(row) is not tuple:
            row = list(row)
        # Most rows hold only plain cells, none of whose text begins like a formula: the
        # line csv.writer writes from them as they are is the line of their neutralised
        # cells (checked on the line, in C, instead of cell by cell in Python).
        line = writerow(row)
        end = len(line) - 2  # before the line's \r\n
        if not plain(map(type, row)) or dangerous_first(line, 0, end) or dangerous(line, 0, end):
            line = writerow([neutralise(v) for v in row])
        buffer.append(line)
        if len(buffer) >= 1000:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


def write_csv(path_or_file, header: list[str], rows: Iterable[Iterable]) -> int:
    count = 0
    close = False
    if isinstance(path_or_file, str | bytes) or hasattr(path_or_file, "__fspath__"):
        handle = open(path_or_file, "wb")
        close = True
    else:
        handle = path_or_file

    def counting():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    try:
        for chunk in csv_rows(header, counting()):
            handle.write(chunk)
    finally:
        if close:
            handle.close()
    return count


# Up to this many rows (when the caller knows the count) an XLSX keeps its cells in memory
# (~2 KB a row) and writes each distinct text once, in a shared-string table: about twice
# as fast as streaming, where every cell's text is escaped and written in place.
SHARED_STRINGS_ROWS = 100_000
ABOUT_SHEET = "导出说明"


def write_xlsx(
    path_or_file,
    header: list[str],
    rows: Iterable[Iterable],
    sheet: str = "数据",
    expected_rows: int | None = None,
    about: list[tuple[str, str]] | None = None,
) -> int:
    """Write an XLSX: streamed in constant memory, or with shared strings when
    ``expected_rows`` is known and small enough. Decimals stay exact text-free numbers with 2
    places; codes stay text (a string cell), never a number that would lose leading zeros.
    ``about`` (label, value) pairs — who exported what, when — go on a second sheet
    导出说明 with the row count; the data stay on the first sheet."""
    return write_book(path_or_file, [(sheet, header, rows)], expected_rows, about)[0]


def write_book(
    path_or_file,
    sheets: list[tuple[str, list[str], Iterable[Iterable]]],
    expected_rows: int | None = None,
    about: list[tuple[str, str]] | None = None,
) -> list[int]:
    """An XLSX of several sheets ((name, header, rows) each, in order) as :func:`write_xlsx`
    writes one, then the 导出说明 sheet (``about`` and the rows in all); each sheet's count."""
    stream = expected_rows is None or expected_rows > SHARED_STRINGS_ROWS
    workbook = open_workbook(path_or_file, stream=stream)
    counts = [
        write_sheet(workbook, workbook.add_worksheet(name[:31]), header, rows)
        for name, header, rows in sheets
    ]
    if about is not None:
        lines = [*about, ("行数", str(sum(counts)))]
        write_sheet(workbook, workbook.add_worksheet(ABOUT_SHEET), ["项目", "内容"], lines)
    workbook.close()
    return counts


def open_workbook(path_or_file, *, stream: bool = True) -> xlsxwriter.Workbook:
    """An XLSX workbook as every export opens it (``stream``: constant memory, each sheet
    written row after row)."""
    return xlsxwriter.Workbook(
        path_or_file, {"constant_memory": stream, "strings_to_numbers": False, "in_memory": False}
    )


def _formats(workbook: xlsxwriter.Workbook) -> dict:
    """The cell formats of ``workbook``, added once however many sheets it has."""
    formats = getattr(workbook, "_huifang_formats", None)
    if formats is None:
        formats = {
            "bold": workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "percent": workbook.add_format({"num_format": "0.00%"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "when": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        workbook._huifang_formats = formats
    return formats


def write_sheet(
    workbook: xlsxwriter.Workbook, worksheet, header: list[str], rows: Iterable[Iterable]
) -> int:
    """Write ``header`` and ``rows`` into one (empty) worksheet of ``workbook``: the typed
    cells of :func:`write_xlsx`, a frozen header row and a filter. Returns the row count."""
    formats = _formats(workbook)
    bold, money, date, when = formats["bold"], formats["money"], formats["date"], formats["when"]
    percent = formats["percent"]
    worksheet.freeze_panes(1, 0)
    for col, title in enumerate(header):
        worksheet.write_string(0, col, str(title), bold)
        worksheet.set_column(col, col, max(10, min(40, len(str(title)) * 2 + 2)))
    write_string, write_number = worksheet.write_string, worksheet.write_number
    write_datetime = worksheet.write_datetime
    # Found by the value's type, once per type; bool before int, datetime before date.
    writers = {
        bool: lambda r, c, v: write_string(r, c, "是" if v else "否"),
        # Before Decimal, of which it is a kind.
        Percent: lambda r, c, v: write_number(r, c, v, percent),
        # xlsx stores doubles; two-decimal yuan amounts below 10^13 round-trip exactly.
        Decimal: lambda r, c, v: write_number(r, c, v, money),
        int: write_number,
        datetime.datetime: lambda r, c, v: write_datetime(r, c, _local(v), when),
        datetime.date: lambda r, c, v: write_datetime(r, c, v, date),
        str: lambda r, c, v: write_string(r, c, "'" + v if _dangerous(v) else v),
    }
    by_type = dict(writers)

    def writer_for(kind: type):
        for base, writer in writers.items():
            if issubclass(kind, base):
                return writer
        return lambda r, c, v: write_string(r, c, neutralise(v))

    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            kind = type(value)
            writer = by_type.get(kind)
            if writer is None:
                writer = by_type[kind] = writer_for(kind)
            writer(count, col, value)
    worksheet.autofilter(0, 0, max(count, 1), max(len(header) - 1, 0))
    return count


def xlsx_bytes(
    header: list[str],
    rows: Iterable[Iterable],
    sheet: str = "数据",
    expected_rows: int | None = None,
    about: list[tuple[str, str]] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows, sheet, expected_rows, about)
    return buffer.getvalue()


def write_file(
    path: str,
    header: list[str],
    rows: Iterable[Iterable],
    expected_rows: int | None = None,
    sheet: str = "数据",
    about: list[tuple[str, str]] | None = None,
) -> int:
    """CSV or XLSX by the file's ending (``about``: the XLSX's 导出说明 sheet)."""
    lower = str(path).lower()
    if lower.endswith(".xlsx"):
        return write_xlsx(path, header, rows, sheet, expected_rows=expected_rows, about=about)
    if lower.endswith(".csv"):
        return write_csv(path, header, rows)
    raise ValueError("输出文件须以 .csv 或 .xlsx 结尾")
