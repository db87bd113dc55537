"""Reading import sources as a header plus a stream of rows of stripped text cells.

CSV is decoded as UTF-8 (with or without BOM) or GB18030 (a superset of GBK, what Excel on
a Chinese Windows writes), detected from the first non-ASCII bytes. XLSX is read with
python-calamine (first sheet); numbers become :class:`~.cells.NumText`, date cells ISO
dates, and a cell holding an Excel error value (``#N/A`` …, which calamine reads as an
empty string) an :class:`~.cells.ExcelError` in an :class:`~.cells.ErrorRow`, found by a
streaming look at the sheet's XML (:func:`error_cells`). Rows are yielded one by one;
nothing holds the whole file in Python memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import logging
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter

from huifang.core.uploads import NOT_XLSX, UploadRefused, check_xlsx
from huifang.customers.importers.cells import ErrorRow, ExcelError, clean
from huifang.customers.importers.specs import Dataset

SAMPLE = 1 << 20
EMPTY = "文件没有表头行（第 1 行应为列名）"
log = logging.getLogger(__name__)

# Python's csv module explains itself in English; what each message means, in Chinese.
CSV_PROBLEMS = {
    "field larger than field limit": "有一个单元格超长，通常是某个引号没有成对",
    "line contains nul": "含有空字符（NUL），文件可能已损坏或不是文本文件",
    "new-line character seen in unquoted field": "未加引号的单元格中有换行符",
    "unexpected end of data": "文件在引号内结束，某个引号没有成对",
}


def csv_problem(exc: csv.Error) -> str:
    text = str(exc).lower()
    for start, problem in CSV_PROBLEMS.items():
        if text.startswith(start):
            return problem
    return "引号或分隔符不成对"


class SourceError(Exception):
    """The file as a whole cannot be read (reason in Chinese)."""

    @classmethod
    def at(cls, row: int, problem: str) -> SourceError:
        """A problem at a row: ``row`` and ``problem`` kept, so that a part of the file
        read elsewhere can report it with the row's number in the whole file."""
        error = cls(f"第 {row} 行{problem}")
        error.row, error.problem = row, problem
        return error


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030``: the first block holding non-ASCII bytes
    decides (pure ASCII is UTF-8)."""
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise SourceError("不支持 UTF-16 编码的文件，请另存为 UTF-8 或 GBK 编码的 CSV")
        handle.seek(0)
        while block := handle.read(SAMPLE):
            if block.isascii():
                continue
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                decoder.decode(block, final=False)  # a character cut at the end is fine
            except UnicodeDecodeError:
                return "gb18030"
            return "utf-8"
    return "utf-8"


@dataclass
class Table:
    """A header and an iterator of (row number, cells); row 1 is the header."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    total: int | None = None  # data rows, when known up front (XLSX, API)
    # Every cell is a plain ``str`` (CSV): never a NumText whose leading zeros a
    # spreadsheet may have dropped.
    plain_text: bool = False
    _position: object = None
    _size: int = 0
    _header_bytes: int = 0
    _close: list = field(default_factory=list)
    csv: CsvFile | None = None  # a CSV file, which can be read in parts
    last_row: int = 1  # the last record read, blank ones included (row 1: the header)
    sheet: str = ""  # XLSX: the sheet read (the first), and the others, which are not
    other_sheets: list[str] = field(default_factory=list)
    first_column: int = 0  # XLSX: the sheet's column (0 = A) of the header's first cell
    from_rows: bool = False  # API rows: its columns are keys, not positions

    def blank_columns(self) -> tuple[int, ...]:
        """Positions of the header's blank cells: no column reads what is under them."""
        return tuple(i for i, raw in enumerate(self.header) if not header_title(raw))

    def blank_warning(self, filled) -> str | None:
        """The warning that values under blank header cells (``filled`` positions) were
        not imported, naming their columns; None without any."""
        if not filled:
            return None
        if self.from_rows:
            return "有字段名为空的值，已忽略"
        columns = "、".join(
            f"第 {n} 列（{get_column_letter(n)} 列）"
            for n in sorted(self.first_column + p + 1 for p in filled)
        )
        return f"{columns}表头为空，该列的数据已忽略；如需导入，请填写列名"

    def fraction(self) -> float | None:
        """How far through the file reading is (CSV), for progress estimates."""
        if self._position is None or not self._size:
            return None
        return min(1.0, self._position() / self._size)

    def expected_rows(self, bytes_per_row: int) -> int | None:
        """Data rows: the known count, or a CSV file's size over ``bytes_per_row``."""
        if self.total is not None:
            return self.total
        return (self._size - self._header_bytes) // bytes_per_row if self._size else None

    def close(self) -> None:
        for closer in self._close:
            closer()


def watch_blanks(rows: Iterator, positions: tuple[int, ...], filled: set[int]) -> Iterator:
    """``rows`` as they come, noting in ``filled`` which of ``positions`` (blank header
    cells) hold a value in some row. The checking loop wraps its rows only when there are
    such cells (``parallel.stage_rows``): an ordinary file pays nothing per row."""
    watched = [p for p in positions if p not in filled]
    for rowno, cells in rows:
        if watched:
            n = len(cells)
            seen = [p for p in watched if p < n and cells[p]]
            if seen:
                filled.update(seen)
                watched = [p for p in watched if p not in filled]
        yield rowno, cells


def open_table(path: str | Path) -> Table:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv" or suffix == ".txt":
        return _open_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path)
    if suffix == ".xls":
        raise SourceError("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV")
    raise SourceError("文件须为 .csv 或 .xlsx")


def _open_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    binary = open(path, "rb")
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        text.close()
        raise SourceError.at(1, f"附近的字节不是 {encoding} 编码，文件编码不一致") from exc
    if not first.strip().lstrip("\ufeff"):
        text.close()
        raise SourceError(EMPTY)
    dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
    header_cells = next(csv.reader([first], dialect), [])
    header = [cell.strip().lstrip("\ufeff") for cell in header_cells]
    table = Table(
        header=header,
        rows=iter(()),
        plain_text=True,
        _position=binary.tell,
        _size=path.stat().st_size,
        _header_bytes=len(first.encode(encoding, "replace")),
        _close=[text.close],
        csv=CsvFile(path, encoding, dialect),
    )
    table.rows = table.csv.rows(csv.reader(text, dialect), 1, table)
    return table


@dataclass(frozen=True)
class CsvFile:
    """What reading a CSV file's rows needs, so that a part of it can be read anywhere
    (another process included)."""

    path: Path
    encoding: str
    dialect: str

    def rows(self, reader, last_row: int, table: Table | None = None):
        """(row number, stripped cells) of the non-blank records of ``reader``, numbered on
        from ``last_row``; ``table.last_row`` follows the records read (blank ones too)."""
        rowno = last_row
        try:
            for cells in reader:
                rowno += 1
                if not cells:
                    continue
                stripped = list(map(str.strip, cells))
                if any(stripped):
                    yield rowno, stripped
        except UnicodeDecodeError as exc:
            problem = f"附近的字节不是 {self.encoding} 编码，文件编码不一致"
            raise SourceError.at(rowno + 1, problem) from exc
        except csv.Error as exc:
            raise SourceError.at(rowno, f" CSV 格式错误：{csv_problem(exc)}") from exc
        finally:
            if table is not None:
                table.last_row = rowno

    def parts(self, count: int, min_bytes: int, first: float = 1.0) -> list[CsvPart] | None:
        """The file's data rows cut into ``count`` byte ranges, each ending with a line
        break, the first ``first`` times as large as each of the others; or None when the
        file cannot be cut safely: a part shorter than ``min_bytes``, or a quote character
        before the last cut (a quoted cell may hold a line break, so a line break would not
        prove a row ends there)."""
        size = self.path.stat().st_size
        with open(self.path, "rb") as handle:
            head = handle.read(SAMPLE)
            ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
            if not ends:
                return None
            start = min(ends) + 1
            if head[start - 1 : start + 1] == b"\r\n":
                start += 1
            shares = first + count - 1
            if (size - start) / shares < min_bytes:
                return None
            cuts, position = [start], start
            for k in range(1, count):
                target = start + int((size - start) * (first + k - 1) / shares)
                handle.seek(position)
                while position < target:  # no quote before the cut
                    block = handle.read(min(CUT_BLOCK, target - position))
                    if b'"' in block:
                        return None
                    position += len(block)
                line = handle.readline()  # the rest of the line the target falls in
                if b'"' in line or not line.endswith(b"\n"):
                    return None
                position += len(line)
                if position >= size:
                    return None
                cuts.append(position)
        cuts.append(size)
        return [CsvPart(self, a, b) for a, b in itertools.pairwise(cuts)]


CUT_BLOCK = 1 << 22


@dataclass(frozen=True)
class CsvPart:
    """Bytes ``start``–``end`` of a CSV file: whole records, read without the header."""

    file: CsvFile
    start: int
    end: int

    def open(self, last_row: int = 0) -> Table:
        """A table of this part's rows, numbered on from ``last_row`` (the records before
        the part, header included, when known; 0 gives numbers within the part)."""
        window = _Window(self.file.path, self.start, self.end)
        text = io.TextIOWrapper(
            io.BufferedReader(window, 1 << 16), encoding=self.file.encoding, newline=""
        )
        table = Table(
            header=[],
            rows=iter(()),
            plain_text=True,
            _position=window.position,
            _size=self.end - self.start,
            _close=[text.close],
        )
        reader = csv.reader(text, self.file.dialect)
        table.rows = self.file.rows(reader, last_row, table)
        return table


class _Window(io.RawIOBase):
    """A byte range of a file as a stream of its own."""

    def __init__(self, path: Path, start: int, end: int):
        self._file = open(path, "rb", buffering=0)
        self._file.seek(start)
        self._start, self._left = start, end - start
        self._length = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self._left)
        if size <= 0:
            return 0
        read = self._file.readinto(memoryview(buffer)[:size])
        self._left -= read
        return read

    def position(self) -> int:
        return self._length - self._left

    def close(self) -> None:
        self._file.close()
        super().close()


def _open_xlsx(path: Path) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

    try:  # before the reader expands it into memory: a workbook, within the limits
        check_xlsx(path)
    except UploadRefused as exc:
        raise SourceError(exc.messages[0]) from exc
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        # The library's own text ("invalid Zip archive: Could not find EOCD") is for logs.
        log.info("unreadable xlsx %s: %s", path.name, exc)
        raise SourceError(NOT_XLSX) from exc
    iterator = sheet.iter_rows()
    start = sheet.start
    first_row = start[0] + 1 if start else 1
    header = [clean(v) for v in next(iterator, [])]
    names = workbook.sheet_names
    if not any(header):
        workbook.close()
        raise SourceError(f"第一个工作表“{names[0]}”的第一行是空的：{EMPTY}")

    first_column = start[1] if start else 0
    errors = error_cells(path)  # found as the rows are read: a generator

    def rows() -> Iterator[tuple[int, list[str]]]:
        rowno = first_row
        pending = next(errors, None)  # the next error cell, in sheet order
        for values in iterator:
            rowno += 1
            cells = [v.strip() if type(v) is str else clean(v) for v in values]
            if pending is not None and pending[0] <= rowno:
                while pending is not None and pending[0] < rowno:  # the header's
                    pending = next(errors, None)
                while pending is not None and pending[0] == rowno:
                    position = pending[1] - first_column
                    if 0 <= position < len(cells):
                        if type(cells) is not ErrorRow:
                            cells = ErrorRow(cells)
                        cells[position] = ExcelError(pending[2])
                    pending = next(errors, None)
            if any(cells):
                yield rowno, cells

    return Table(
        header=header,
        rows=rows(),
        total=max(sheet.height - 1, 0),
        _close=[errors.close, workbook.close],  # the scan's hold on the file, too
        sheet=names[0],
        other_sheets=names[1:],
        first_column=first_column,
    )


# The sheet XML of an .xlsx: an error cell is ``<c r="B2" t="e"><v>#N/A</v></c>``.
_ERROR_MARKS = (b't="e"', b"t='e'")
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""")
_ERROR_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*["']e["']""")
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
XML_CHUNK = 1 << 20


def error_cells(path: Path) -> Iterator[tuple[int, int, str]]:
    """(row number, column (0 = A), error text) of the first sheet's cells that hold an
    Excel error value, in sheet order. One streaming pass over the sheet's XML, whole
    rows at a time; only a row holding an error mark is looked into."""
    with zipfile.ZipFile(path) as archive:
        part = _first_sheet(archive)
        if part is None:
            return
        with archive.open(part) as stream:
            tail = b""
            while chunk := stream.read(XML_CHUNK):
                data = tail + chunk
                end = data.rfind(b"</row>")
                if end < 0:
                    tail = data
                    continue
                done, tail = data[:end], data[end + 6 :]
                if not any(mark in done for mark in _ERROR_MARKS):
                    continue
                for row in done.split(b"</row>"):
                    if any(mark in row for mark in _ERROR_MARKS):
                        yield from _row_errors(row)


def _row_errors(row: bytes) -> Iterator[tuple[int, int, str]]:
    """The error cells of one ``<row …>…`` (its text up to ``</row>``)."""
    start = row.rfind(b"<row")
    if start < 0:
        return
    opened = row.index(b">", start)
    number = _ROW_NUMBER.search(row, start, opened)
    if number is None:  # rows without numbers: not written by any spreadsheet we know
        raise SourceError("工作表的行没有行号，无法定位单元格，请用 Excel 或 WPS 另存后再导入")
    rowno, column = int(number.group(1)), -1
    for cell in _CELL.finditer(row, opened + 1):
        attributes = cell.group(1)
        ref = _REF.search(attributes)
        column = _column_index(ref.group(1)) if ref else column + 1
        if _ERROR_TYPE.search(attributes):
            value = _VALUE.search(cell.group(2) or b"")
            text = value.group(1).decode("utf-8", "replace").strip() if value else ""
            yield rowno, column, text[:20] or "#N/A"


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index - 1


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The zip member of the workbook's first sheet (the one calamine reads), or None."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    sheet = next((e for e in workbook.iter() if e.tag.rsplit("}", 1)[-1] == "sheet"), None)
    if sheet is None or sheet.get(_RELATIONSHIPS) is None:
        return None
    wanted = sheet.get(_RELATIONSHIPS)
    for rel in rels.iter():
        if rel.get("Id") == wanted and rel.get("Target"):
            target = rel.get("Target")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def table_from_dicts(rows: Iterable[dict], dataset: Dataset) -> Table:
    """API rows (dicts keyed by Chinese or English names) as a table; row n is the n-th
    element of the list (1-based), so reports point at the caller's own rows. Each row may
    use either naming; unknown keys become ignored columns."""
    rows = list(rows)
    names = _names(dataset)

    def title(key) -> str:
        name = str(key).strip()
        return names.get(name) or names.get(name.lower()) or name

    header: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise SourceError("rows 的每个元素都必须是对象（字段名 → 值）")
        if any("\x00" in str(text) for item in row.items() for text in item):
            # No database text holds it (PostgreSQL refuses it outright).
            raise SourceError(f"rows 第 {number} 个元素含有空字符（NUL）")
        named: dict[str, str] = {}
        for key in row:
            column = title(key)
            if column in named:
                # As a file's header naming a column twice: which value is meant?
                raise SourceError(
                    f"rows 第 {number} 个元素的“{named[column]}”和“{key}”是同一列（列名重复）"
                )
            named[column] = str(key)
            if column not in seen:
                seen.add(column)
                header.append(column)
    if dataset.keeps_absent:
        _check_same_keys(rows, header, dataset, title)
    position = {column: i for i, column in enumerate(header)}

    def cells() -> Iterator[tuple[int, list[str]]]:
        width = len(header)
        for number, row in enumerate(rows, start=1):
            values = [""] * width
            for key, value in row.items():
                values[position[title(key)]] = clean(value)
            if any(values):
                yield number, values

    return Table(header=header, rows=cells(), total=len(rows), from_rows=True)


def _check_same_keys(rows: list[dict], header: list[str], dataset: Dataset, title) -> None:
    """Where a column the batch lacks keeps the stored values, an object lacking a key the
    others have is refused: as an empty cell it would clear that record's field, and a
    file cannot leave one row's cell out. ``null`` or "" clears; a key left out of every
    object keeps the stored values."""
    known = [column for column in header if column in dataset.by_key]
    for number, row in enumerate(rows, start=1):
        present = {title(key) for key in row}
        lacking = [c for c in known if c not in present]
        if lacking:
            names = "、".join(f"“{dataset.label_of(c)}”" for c in lacking)
            raise SourceError(
                f"rows 第 {number} 个元素缺少{names}（其他元素有此字段）：同一批的元素须有"
                "相同的字段，要清空请传 null 或空字符串，要保留原值请在所有元素中都省略该字段"
            )


def _names(dataset: Dataset) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in dataset.columns:
        names[column.label] = column.key
        names[column.key] = column.key
        names[column.key.lower()] = column.key
    return names


def header_title(raw: str) -> str:
    """A header cell as a column name: without a BOM, blanks or the marks of a required
    column (``*``)."""
    return raw.strip().lstrip("\ufeff").strip("*＊ ")


@dataclass
class HeaderMap:
    index: dict[str, int]  # column key → position in the row
    warnings: list[str]
    missing: list[str]  # labels of required columns that are absent
    duplicates: list[str]


def map_header(dataset: Dataset, header: list[str]) -> HeaderMap:
    """Chinese labels or English keys, any order; unknown columns are ignored with a warning."""
    names = _names(dataset)
    index: dict[str, int] = {}
    ignored: list[str] = []
    duplicates: list[str] = []
    for position, raw in enumerate(header):
        title = header_title(raw)
        key = names.get(title) or names.get(title.lower())
        if key is None:
            if title:
                ignored.append(title)
            continue
        if key in index:
            duplicates.append(title)
            continue
        index[key] = position
    warnings = [f"已忽略未知列：{'、'.join(ignored)}"] if ignored else []
    missing = [c.label for c in dataset.columns if c.required and c.key not in index]
    return HeaderMap(index=index, warnings=warnings, missing=missing, duplicates=duplicates)


def preview(path: str | Path, dataset: Dataset, limit: int = 10) -> dict:
    """The header mapping and the first rows, for the upload page."""
    table = open_table(path)
    filled: set[int] = set()
    try:
        mapping = map_header(dataset, table.header)
        rows = []
        for rowno, cells in watch_blanks(table.rows, table.blank_columns(), filled):
            rows.append((rowno, cells))
            if len(rows) >= limit:
                break
    finally:
        table.close()
    blank = table.blank_warning(filled)
    known = {position: key for key, position in mapping.index.items()}
    labels = dataset.by_key
    # Personal data is shown masked here as everywhere (``specs.Column.masked``).
    personal = {p: labels[key] for p, key in known.items() if labels[key].sensitive}
    if personal:
        rows = [
            (rowno, [personal[i].masked(c) if i in personal else c for i, c in enumerate(cells)])
            for rowno, cells in rows
        ]
    return {
        "header": [
            (title, labels[known[i]].label if i in known else None)
            for i, title in enumerate(table.header)
        ],
        "rows": rows,
        "warnings": [*mapping.warnings, blank] if blank else mapping.warnings,
        "missing": mapping.missing,
        "duplicates": mapping.duplicates,
        "total": table.total,
    }
