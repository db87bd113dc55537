"""Reading import sources as a header plus a stream of rows of stripped text cells.

CSV is decoded as UTF-8 (with or without BOM) or GB18030 (a superset of GBK, what Excel on
a Chinese Windows writes), detected from the first non-ASCII bytes. XLSX is read with
python-calamine (first sheet); numbers become :class:`~.cells.NumText`, date cells ISO
dates. Rows are yielded one by one; nothing holds the whole file in Python memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from huifang.customers.importers.cells import clean
from huifang.customers.importers.specs import Dataset

SAMPLE = 1 << 20


class SourceError(Exception):
    """The file as a whole cannot be read (reason in Chinese)."""


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
    first = text.readline()
    dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
    header_cells = next(csv.reader([first], dialect), [])
    header = [cell.strip().lstrip("\ufeff") for cell in header_cells]
    reader = csv.reader(text, dialect)

    def rows() -> Iterator[tuple[int, list[str]]]:
        rowno = 1
        try:
            for cells in reader:
                rowno += 1
                if not cells:
                    continue
                stripped = list(map(str.strip, cells))
                if any(stripped):
                    yield rowno, stripped
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"第 {rowno + 1} 行附近的字节不是 {encoding} 编码，文件编码不一致"
            ) from exc
        except csv.Error as exc:
            raise SourceError(f"第 {rowno} 行 CSV 格式错误：{exc}") from exc

    return Table(
        header=header,
        rows=rows(),
        plain_text=True,
        _position=binary.tell,
        _size=path.stat().st_size,
        _header_bytes=len(first.encode(encoding, "replace")),
        _close=[text.close],
    )


def _open_xlsx(path: Path) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        raise SourceError(f"无法读取 Excel 文件：{exc}") from exc
    iterator = sheet.iter_rows()
    start = sheet.start
    first_row = start[0] + 1 if start else 1
    header = [clean(v) for v in next(iterator, [])]

    def rows() -> Iterator[tuple[int, list[str]]]:
        rowno = first_row
        for values in iterator:
            rowno += 1
            cells = [v.strip() if type(v) is str else clean(v) for v in values]
            if any(cells):
                yield rowno, cells

    return Table(
        header=header, rows=rows(), total=max(sheet.height - 1, 0), _close=[workbook.close]
    )


def table_from_dicts(rows: Iterable[dict], dataset: Dataset) -> Table:
    """API rows (dicts keyed by Chinese or English names) as a table; row n is the n-th
    element of the list (1-based), so reports point at the caller's own rows. Each row may
    use either naming; unknown keys become ignored columns."""
    rows = list(rows)
    names = _names(dataset)
    header: list[str] = []
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, dict):
            raise SourceError("rows 的每个元素都必须是对象（字段名 → 值）")
        for key in row:
            title = names.get(str(key).strip(), str(key).strip())
            if title not in seen:
                seen.add(title)
                header.append(title)
    position = {title: i for i, title in enumerate(header)}

    def cells() -> Iterator[tuple[int, list[str]]]:
        width = len(header)
        for number, row in enumerate(rows, start=1):
            values = [""] * width
            for key, value in row.items():
                title = names.get(str(key).strip(), str(key).strip())
                values[position[title]] = clean(value)
            if any(values):
                yield number, values

    return Table(header=header, rows=cells(), total=len(rows))


def _names(dataset: Dataset) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in dataset.columns:
        names[column.label] = column.key
        names[column.key] = column.key
        names[column.key.lower()] = column.key
    return names


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
        title = raw.strip().lstrip("\ufeff").strip("*＊ ")
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
    try:
        mapping = map_header(dataset, table.header)
        rows = []
        for rowno, cells in table.rows:
            rows.append((rowno, cells))
            if len(rows) >= limit:
                break
    finally:
        table.close()
    known = {position: key for key, position in mapping.index.items()}
    labels = dataset.by_key
    return {
        "header": [
            (title, labels[known[i]].label if i in known else None)
            for i, title in enumerate(table.header)
        ],
        "rows": rows,
        "warnings": mapping.warnings,
        "missing": mapping.missing,
        "duplicates": mapping.duplicates,
        "total": table.total,
    }
