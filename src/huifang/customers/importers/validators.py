"""Per-row validation of the staged datasets (customers, daily rows, products).

Each validator turns one row of text cells into a tuple ready for the staging table, or
records the row's errors and returns None. Lookups (branch and customer codes, the
user's scope) are loaded once into dicts; nothing here queries per row. Positions of
absent columns are a huge number so that ``cells[p] if p < n else ""`` reads as empty.
"""

from __future__ import annotations

import abc
import operator
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db import connection
from django.db.models.functions import Length

from huifang.customers import choices
from huifang.customers.importers import specs
from huifang.customers.importers.cells import (
    BAD_CHARS,
    CODE_CHARACTER,
    INVISIBLE,
    LEADING_ZEROS_LOST,
    CellError,
    ErrorRow,
    ExcelError,
    NumText,
    check_id_number,
    check_text,
    parse_choice,
    parse_code,
    parse_date,
    parse_id_card,
    parse_mobile,
    split_list,
)
from huifang.customers.models import Customer, ProductHolding
from huifang.org.models import Branch

ABSENT = 1 << 30
REPEAT = re.compile(r"与第 (\d+) 行的投资者代码重复")
REQUIRED = "必填项不能为空"
NATURAL = choices.CustomerType.NATURAL.value


@dataclass(frozen=True)
class RowError:
    """One problem in one row: spreadsheet row number (header = 1; API: list position),
    the column's Chinese name, the cell's text and the reason."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


class Errors:
    """Collects row errors (the first ``limit`` of them) and counts rejected rows. The value
    of a personal-data column is kept masked (``specs.Column.masked``): every way the row
    report is shown (page, xlsx, API, job result, command) shows what is kept here."""

    def __init__(self, dataset: specs.Dataset, limit: int = 100_000):
        self.labels = {c.key: c.label for c in dataset.columns}
        self.personal = {c.key: c for c in dataset.columns if c.sensitive}
        self.order = {c.label: i for i, c in enumerate(dataset.columns)}
        self.items: list[RowError] = []
        self.limit = limit
        self.count = 0  # problems found
        self.rows = 0  # rows rejected (set by the engine once the file has been read)

    def add(self, row: int, key: str, value, reason: str) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            label = self.labels.get(key, key)
            text = value if type(value) is ExcelError else str(value)[:200]
            column = self.personal.get(key)
            if column is not None:
                text = column.masked(text)
            self.items.append(RowError(row, label, text, reason))

    def absorb(self, items: list[RowError], count: int, offset: int) -> None:
        """The errors another process found in a part of the file, its row numbers counted
        from ``offset`` (the rows before the part)."""
        self.count += count
        room = max(self.limit - len(self.items), 0)
        self.items.extend(
            RowError(e.row + offset, e.column, e.value, e.reason) for e in items[:room]
        )

    def sort(self) -> None:
        """Row order, and column order within a row, however the checks found them (some
        only once the whole file is staged)."""
        order = self.order
        self.items.sort(key=lambda e: (e.row, order.get(e.column, -1)))


class CodeMap:
    """code → id of existing rows, with the scope test and the "leading zeros lost" hint."""

    def __init__(self, ids: dict[str, int], allowed: set[int] | None):
        self.ids = ids
        self.allowed = allowed  # None: no scope restriction
        self._stripped: dict[str, str] | None = None

    def lost_zeros(self, code: str) -> bool:
        if self._stripped is None:
            self._stripped = {c.lstrip("0"): c for c in self.ids if c[:1] == "0"}
        return code in self._stripped


def branch_map(scope_path: str | None) -> tuple[dict[str, int], dict[str, str]]:
    ids, paths = {}, {}
    for code, pk, path in Branch.objects.values_list("code", "id", "path"):
        ids[code], paths[code] = pk, path
    return ids, paths


def customer_map(scope_path: str | None) -> CodeMap:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT investor_code, id FROM {Customer._meta.db_table}")
        ids = dict(cursor.fetchall())
    allowed = None
    if scope_path is not None:
        allowed = set(
            Customer.objects.filter(branch__path__startswith=scope_path).values_list(
                "id", flat=True
            )
        )
    return CodeMap(ids, allowed)


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _choice(text: str, column: specs.Column):
    """The stored value of an enumeration column's text (its spec's choices)."""
    return parse_choice(text, column.choices, column.allowed)


OVERLONG = (
    "该行有 {cells} 个单元格，多于表头的 {width} 列（可能有未加引号的逗号），无法确定各值属于哪一列"
)


def overlong(errors: Errors, rowno: int, cells: list[str], width: int | None) -> bool:
    """Whether a CSV row holds values beyond the header's columns (reported): an unquoted
    comma has shifted its cells, so no cell can be trusted to be in its column. Empty
    trailing cells are harmless; ``width`` None (XLSX, API rows, where each value sits in
    its own column) never refuses."""
    if width is None or len(cells) <= width or not any(cells[width:]):
        return False
    extra = "，".join(cell for cell in cells[width:] if cell)
    if errors.personal:  # shifted cells: any of them may be a personal-data column's
        extra = specs.conceal(extra[:200])
    errors.add(rowno, "", extra, OVERLONG.format(cells=len(cells), width=width))
    return True


EXCEL_ERROR = "单元格为 Excel 错误值 {}，请修正公式或填入实际的值"


def excel_errors(errors: Errors, rowno: int, cells: list[str], pos: dict[str, int]) -> bool:
    """Whether an XLSX row holds an Excel error value (``#N/A`` …) in a column that is
    imported (``pos``: column key → position): each such cell reported, the row refused.
    Only rows the reader marked (:class:`~.cells.ErrorRow`) are looked into."""
    if type(cells) is not ErrorRow:
        return False
    found = False
    n = len(cells)
    for key, p in pos.items():
        if p < n and type(cells[p]) is ExcelError:
            errors.add(rowno, key, cells[p], EXCEL_ERROR.format(cells[p]))
            found = True
    return found


class RowValidator:
    """Base: column positions and the error sink."""

    dataset: specs.Dataset
    # A CSV file's header width (``overlong``), set by the engine; None: not checked.
    header_width: int | None = None
    # Positions of the header's blank cells, set by the engine: those holding a value in
    # some row are noted in ``blank_filled`` (a warning; ``readers.watch_blanks``).
    blank_columns: tuple[int, ...] = ()
    # Whether parts of a big file may be validated in other processes (``parallel.py``):
    # then ``in_part``, ``part_state`` and ``absorb`` are defined.
    parallel = False

    def __init__(self, index: dict[str, int], errors: Errors):
        self.pos = {c.key: index.get(c.key, ABSENT) for c in self.dataset.columns}
        self.errors = errors
        self.blank_filled: set[int] = set()
        self.late_rejects: list[int] = []
        # (row, code) of numeric code cells that named no customer (``short_codes``).
        self.unknown_numeric: list[tuple[int, str]] = []

    def finish(self, stage) -> list[int]:
        """Checks that need the whole file (``stage`` holds its valid rows); returns row
        numbers to take out of staging."""
        return self.late_rejects

    def _reference(self, rowno: int, key: str, code: str, codes: CodeMap, what: str):
        """The id behind a customer code, or None after reporting why not."""
        pk = codes.ids.get(code)
        if pk is not None and (codes.allowed is None or pk in codes.allowed):
            return pk
        try:
            code = parse_code(code, 32)
        except CellError as exc:
            self.errors.add(rowno, key, code, exc.reason)
            return None
        pk = codes.ids.get(code)
        if pk is None:
            if type(code) is NumText and codes.lost_zeros(code):
                self.errors.add(rowno, key, code, LEADING_ZEROS_LOST)
            else:
                self.errors.add(rowno, key, code, f"{what}不存在")
                if type(code) is NumText:
                    self.unknown_numeric.append((rowno, code))
            return None
        if codes.allowed is not None and pk not in codes.allowed:
            self.errors.add(rowno, key, code, "该客户不在您的权限范围内")
            return None
        return pk

    def short_codes(
        self,
        stage,
        key: str = "investor_code",
        numeric: list[tuple[int, str]] | None = None,
        target: tuple[type, str] = (Customer, "customer_id"),
    ) -> None:
        """A numeric code cell that named no row of ``target`` (model, the stage's column
        of its id) and is shorter than the codes of the column's other (staged) rows has
        probably lost its leading zeros: its reason says so (data-interface.md) instead of
        …不存在. Only when there are such cells (a spreadsheet's or a JSON body's numbers):
        one grouped query of the stage."""
        numeric = self.unknown_numeric if numeric is None else numeric
        if not numeric:
            return
        model, column = target
        code = "investor_code" if model is Customer else "code"
        join = f"JOIN {model._meta.db_table} r ON r.id = s.{column}"
        lengths = Counter(dict(stage.count_by(f"LENGTH(r.{code})", join)))
        if not lengths:
            return
        usual = _usual_length(lengths, "")
        short = {(row, code) for row, code in numeric if len(code) < usual}
        label = self.errors.labels[key]
        items = self.errors.items
        for i, e in enumerate(items):
            if e.column == label and (e.row, e.value) in short:
                items[i] = RowError(e.row, e.column, e.value, LEADING_ZEROS_LOST)


class FastPathValidator(RowValidator, abc.ABC):
    """A validator whose common rows take ``_fast``, which must accept and stage exactly
    what ``_checked`` (every check, each failure reported) does, and return None for
    anything else. ``width``: the fewest cells a row needs for the fast path. Subclasses
    define both methods (a subclass missing one cannot be instantiated)."""

    width: int

    def row(self, rowno: int, cells: list[str]):
        if len(cells) >= self.width:
            staged = self._fast(rowno, cells)
            if staged is not None:
                return staged
        return self._checked(rowno, cells)

    @abc.abstractmethod
    def _fast(self, rowno: int, cells: list[str]) -> tuple | None:
        """The stage tuple of a well-formed common row, or None."""

    @abc.abstractmethod
    def _checked(self, rowno: int, cells: list[str]) -> tuple | None:
        """Every check, each failure reported; the stage tuple or None."""


class CustomerValidator(FastPathValidator):
    dataset = specs.CUSTOMERS
    TEXT = ("name", "full_name", "occupation", "income_source", "phone", "address", "email")
    # A big CSV file is checked (and its personal data encrypted) in parts, in several
    # processes: ``in_part``, ``part_state`` and ``absorb`` make the outcome the one a
    # single reading gives, repeated investor codes across parts included.
    parallel = True
    DUPLICATE = "与第 {} 行的投资者代码重复"

    def __init__(self, index, errors, *, scope_path: str | None, source=None):
        super().__init__(index, errors)
        self.branch_ids, self.branch_paths = branch_map(scope_path)
        self.branch_codes = CodeMap(self.branch_ids, None)
        self.scope_path = scope_path
        self.seen: dict[str, int] = {}
        self.lengths: Counter[int] = Counter()
        self.numeric_codes: list[tuple[int, str]] = []
        self.unknown_branches: list[tuple[int, str]] = []  # numeric 部门代码 of no branch
        # In a part (``in_part``): (row, code) of rows refused for other reasons, whose code
        # an earlier part may have claimed (then the row repeats it, too).
        self.refused: list[tuple[int, str]] | None = None
        self.limits = {
            name: _max_length(Customer, name)
            for name in (*self.TEXT, "id_number", "broker_codes", "broker_names")
        }
        # The fast path reads every column at once; an absent one reads the "" that it
        # appends to the row (position -1).
        positions = [p for p in self.pos.values() if p != ABSENT]
        self.width = max(positions, default=0) + 1
        self.fields = operator.itemgetter(*(-1 if p == ABSENT else p for p in self.pos.values()))
        self.fast_texts = _fast_texts(self.limits)
        # A file with 证件号码 but no 证件类型 keeps each customer's stored type: the numbers
        # of customers holding a 身份证 are checked (and give the birth date) as such.
        self.id_cards: frozenset[str] = frozenset()
        if self.pos["id_type"] == ABSENT and self.pos["id_number"] != ABSENT:
            cards = Customer.objects.filter(id_type=choices.IdType.ID_CARD)
            self.id_cards = frozenset(cards.values_list("investor_code", flat=True))

    def _fast(self, rowno: int, cells: list[str]) -> tuple | None:
        """The stage tuple of a well-formed common row, or None: let the full checks decide.

        One regular expression checks the free-text cells, the investor code and the mobile
        number at once (lengths, no control characters, no line breaks, brokers without
        "；"); enumerations, branches and dates are dict lookups. A column the file lacks is
        read as the empty string appended to the row."""
        cells.append("")
        (
            code, name, full_name, customer_type, gender, id_type, id_number, birth_date,
            open_date, close_date, status, dormant, normalized, branch_code, investor_class,
            risk_level, occupation, income_source, mobile, phone, address, email,
            broker_code, broker_name,
        ) = self.fields(cells)  # fmt: skip
        cells.pop()
        if type(code) is not str or code in self.seen:
            return None
        texts = (
            code, name, full_name, occupation, income_source, mobile, phone, address, email,
            broker_code, broker_name,
        )  # fmt: skip
        if self.fast_texts.fullmatch("\n".join(texts)) is None:
            return None
        customer_type = specs.CUSTOMER_TYPES.get(customer_type)
        status = specs.STATUSES.get(status)
        branch_id = self.branch_ids.get(branch_code)
        if customer_type is None or status is None or branch_id is None or not open_date:
            return None
        if self.scope_path is not None and not self.branch_paths[branch_code].startswith(
            self.scope_path
        ):
            return None
        gender = specs.GENDERS.get(gender) if gender else ""
        id_type = specs.ID_TYPES.get(id_type) if id_type else ""
        dormant = specs.DORMANT.get(dormant) if dormant else False
        normalized_text, normalized = normalized, specs.NORMALIZED.get(normalized)
        investor_class = (
            specs.INVESTOR_CLASSES.get(investor_class)
            if investor_class
            else choices.InvestorClass.ORDINARY.value
        )
        risk = specs.RISK_LEVELS.get(risk_level) if risk_level else (None, False)
        if gender is None or id_type is None or dormant is None or investor_class is None:
            return None
        if gender and customer_type != NATURAL:
            return None
        if (normalized_text and normalized is None) or risk is None:
            return None
        born = None
        try:
            if id_number:
                if id_type == choices.IdType.ID_CARD or code in self.id_cards:
                    id_number, born = parse_id_card(id_number)
                else:
                    id_number = check_id_number(id_number, self.limits["id_number"])
            opened = parse_date(open_date)
            birth = parse_date(birth_date) if birth_date else born
            closed = parse_date(close_date) if close_date else None
        except CellError:
            return None
        if closed and closed < opened:
            return None
        if ";" in broker_code or ";" in broker_name:
            brokers, names = split_list(broker_code), split_list(broker_name)
            if ";".join(brokers) != broker_code or ";".join(names) != broker_name:
                return None  # blanks around or between the parts: the full checks tidy them
            if brokers and names and len(brokers) != len(names):
                return None
        self.seen[code] = rowno
        self.lengths[len(code)] += 1
        # The spec's stored columns in order, as ``_checked`` stages them (a test compares
        # both with the spec).
        return (
            rowno, code, name, full_name or name, customer_type, gender, id_type, id_number,
            birth, opened, closed, status, dormant, normalized, branch_id, investor_class,
            risk[0], risk[1], occupation, income_source, mobile, phone, address, email,
            broker_code, broker_name,
        )  # fmt: skip

    def _checked(self, rowno: int, cells: list[str]):
        """Every check, each failure reported with its row, column and reason."""
        pos, n, add = self.pos, len(cells), self.errors.add
        columns = self.dataset.by_key
        before = self.errors.count

        def cell(key: str) -> str:
            p = pos[key]
            return cells[p] if p < n else ""

        def choice(key: str, default=None):
            text = cell(key)
            if not text:
                return default
            try:
                return _choice(text, columns[key])
            except CellError as exc:
                add(rowno, key, text, exc.reason)
                return default

        def date(key: str, required: bool = False):
            text = cell(key)
            if not text:
                if required:
                    add(rowno, key, text, REQUIRED)
                return None
            try:
                return parse_date(text)
            except CellError as exc:
                add(rowno, key, text, exc.reason)
                return None

        texts = {}
        limits = self.limits
        for key in self.TEXT:
            text = cell(key)
            if text:
                try:
                    texts[key] = check_text(text, limits[key])
                except CellError as exc:
                    add(rowno, key, text, exc.reason)
                    texts[key] = ""
            else:
                texts[key] = ""

        raw_code = cell("investor_code")
        code = None
        if not raw_code:
            add(rowno, "investor_code", raw_code, REQUIRED)
        else:
            try:
                code = parse_code(raw_code, 32)
            except CellError as exc:
                add(rowno, "investor_code", raw_code, exc.reason)
        if code is not None:
            first = self.seen.get(code)
            if first is not None:
                add(rowno, "investor_code", code, self.DUPLICATE.format(first))
                code = None
            else:
                self.seen[code] = rowno
                self.lengths[len(code)] += 1
                if type(raw_code) is NumText:
                    self.numeric_codes.append((rowno, code))
        if not texts["name"] and not cell("name"):
            add(rowno, "name", "", REQUIRED)

        customer_type = choice("customer_type")
        if customer_type is None and not cell("customer_type"):
            add(rowno, "customer_type", "", REQUIRED)
        gender = choice("gender", "")
        if gender and customer_type not in (None, NATURAL):
            label = choices.CustomerType(customer_type).label
            add(
                rowno,
                "gender",
                cell("gender"),
                f"性别只适用于自然人，客户类型为{label}的客户请留空",
            )
        id_type = choice("id_type", "")
        id_number = cell("id_number")
        born = None
        if id_number:
            try:
                if id_type == choices.IdType.ID_CARD or raw_code in self.id_cards:
                    id_number, born = parse_id_card(id_number)
                else:
                    id_number = check_id_number(id_number, limits["id_number"])
            except CellError as exc:
                add(rowno, "id_number", id_number, exc.reason)
        birth_date = date("birth_date") or born
        open_date = date("open_date", required=True)
        close_date = date("close_date")
        if close_date and open_date and close_date < open_date:
            add(rowno, "close_date", cell("close_date"), "销户日期早于开户日期")
        status = choice("status")
        if status is None and not cell("status"):
            add(rowno, "status", "", REQUIRED)
        dormant = choice("dormant", False)
        normalized = choice("normalized")
        investor_class = choice("investor_class", choices.InvestorClass.ORDINARY.value)
        risk_level, risk_lowest = choice("risk_level", (None, False))
        mobile = cell("mobile")
        if mobile:
            try:
                mobile = parse_mobile(mobile)
            except CellError as exc:
                add(rowno, "mobile", mobile, exc.reason)
        branch_id = self._branch(rowno, cell("branch_code"))
        brokers = split_list(cell("broker_code"))
        broker_names = split_list(cell("broker_name"))
        if brokers and broker_names and len(brokers) != len(broker_names):
            add(rowno, "broker_name", cell("broker_name"), "经纪人名称与经纪人编号的个数不一致")
        broker_codes, broker_names_text = ";".join(brokers), ";".join(broker_names)
        if len(broker_codes) > limits["broker_codes"]:
            add(rowno, "broker_code", broker_codes, f"超过最大长度 {limits['broker_codes']} 个字符")
        if BAD_CHARS.search(broker_codes + broker_names_text):
            add(rowno, "broker_code", broker_codes, "包含不可见的控制字符")
        if len(broker_names_text) > limits["broker_names"]:
            add(rowno, "broker_name", broker_names_text, "超过最大长度")

        if self.errors.count != before:
            if code is not None:
                self.seen.pop(code, None)  # a rejected row does not claim its key
                if self.refused is not None:
                    self.refused.append((rowno, code))
            return None
        name = texts["name"]
        # The spec's stored columns in order, as ``_fast`` stages them (a test compares both
        # with the spec; a tuple, not a dict by name: this path is the whole of a file whose
        # codes are numeric cells).
        return (
            rowno, code, name, texts["full_name"] or name, customer_type, gender, id_type,
            id_number, birth_date, open_date, close_date, status, dormant, normalized, branch_id,
            investor_class, risk_level, risk_lowest, texts["occupation"], texts["income_source"],
            mobile, texts["phone"], texts["address"], texts["email"], broker_codes,
            broker_names_text,
        )  # fmt: skip

    def _branch(self, rowno: int, text: str):
        if not text:
            self.errors.add(rowno, "branch_code", text, REQUIRED)
            return None
        pk = self.branch_ids.get(text)
        if pk is None:
            lost = type(text) is NumText and self.branch_codes.lost_zeros(text)
            self.errors.add(
                rowno, "branch_code", text, LEADING_ZEROS_LOST if lost else "部门代码不存在"
            )
            if type(text) is NumText and not lost:
                self.unknown_branches.append((rowno, text))
            return None
        if self.scope_path is not None and not self.branch_paths[text].startswith(self.scope_path):
            self.errors.add(rowno, "branch_code", text, "该部门不在您的权限范围内")
            return None
        return pk

    # -- a part of the file in another process (parallel.py) --------------------------------

    def in_part(self) -> None:
        """This copy checks a part of the file in another process: its own errors, row
        numbers counted within the part."""
        self.errors = Errors(self.dataset, self.errors.limit)
        self.refused = []

    def part_state(self) -> dict:
        """What ``absorb`` needs from the process that checked a part."""
        return {
            "errors": self.errors.items,
            "count": self.errors.count,
            "seen": self.seen,
            "lengths": self.lengths,
            "numeric": self.numeric_codes,
            "refused": self.refused,
        }

    def absorb(self, state: dict, offset: int, stage) -> None:
        """Take in a part checked elsewhere, whose staged rows ``stage`` holds already (row
        numbers after ``offset``). A code an earlier row claimed makes the part's row that
        claimed it too a repeat: reported against the earlier row and taken out of the
        stage; the part's own repeats of that row and its refused rows with that code are
        reported against the earlier row as well, as reading the file in one go does."""
        earlier = self.seen
        # The part's first row of a code that an earlier row claimed → that earlier row.
        own_first = {
            row + offset: earlier[code] for code, row in state["seen"].items() if code in earlier
        }
        start = len(self.errors.items)
        self.errors.absorb(state["errors"], state["count"], offset)
        self._repoint(start, offset, own_first)
        for row, code in state["refused"]:
            first = earlier.get(code)
            if first is not None:
                self.errors.add(row + offset, "investor_code", code, self.DUPLICATE.format(first))
        repeated = []
        for code, row in state["seen"].items():
            if row + offset in own_first:
                repeated.append(row + offset)
                self.errors.add(
                    row + offset, "investor_code", code, self.DUPLICATE.format(earlier[code])
                )
                state["lengths"][len(code)] -= 1
            else:
                earlier[code] = row + offset
        self.lengths.update(state["lengths"])
        removed = set(repeated)
        self.numeric_codes += [
            (row + offset, code) for row, code in state["numeric"] if row + offset not in removed
        ]
        if repeated:
            stage.remove(repeated)

    def _repoint(self, start: int, offset: int, own_first: dict[int, int]) -> None:
        """The part's own repeats (errors from ``start`` on) name a row of the part: counted
        in the whole file, and, where that row repeats an earlier part's, the earlier row."""
        label = self.errors.labels["investor_code"]
        items = self.errors.items
        for i in range(start, len(items)):
            e = items[i]
            found = REPEAT.fullmatch(e.reason) if e.column == label else None
            if found is not None:
                row = int(found[1]) + offset
                first = own_first.get(row, row)
                items[i] = RowError(e.row, e.column, e.value, self.DUPLICATE.format(first))

    def finish(self, stage) -> list[int]:
        """Existing customers outside the user's scope (the row's own branch is checked row
        by row: a file may not move someone else's customer into it either), and numeric
        investor codes that have probably lost their leading zeros (:func:`lost_zeros`)."""
        self.short_codes(stage, "branch_code", self.unknown_branches, (Branch, "branch_id"))
        rejected = self._held_outside_scope(stage)
        stored = _zero_lengths(Customer, "investor_code") if self.numeric_codes else ()
        lost = lost_zeros(self.numeric_codes, self.lengths, _existing_codes, stored)
        for rowno, code in lost:
            self.errors.add(rowno, "investor_code", code, LEADING_ZEROS_LOST)
            rejected.append(rowno)
        return rejected

    def _held_outside_scope(self, stage) -> list[int]:
        """Rows naming an existing customer of a branch outside the user's scope: one join
        of the stage with the customers and their branches (an index probe per staged
        row), only for a branch-scoped user."""
        if self.scope_path is None or not stage.rows:
            return []
        join = (
            f"JOIN {Customer._meta.db_table} r ON r.investor_code = s.investor_code "
            f"JOIN {Branch._meta.db_table} b ON b.id = r.branch_id"
        )
        scope = self.scope_path
        where = f"SUBSTR(b.path, 1, {len(scope)}) <> %s"  # not LIKE: "_" is a code character
        outside = stage.joined("investor_code", join, where, [scope])
        for rowno, code in outside:
            self.errors.add(rowno, "investor_code", code, "该客户不在您的权限范围内")
        return [rowno for rowno, _ in outside]


def lost_zeros(
    numeric: list[tuple[int, str]],
    lengths: Counter[int],
    existing: Callable[[set[str]], set[str]],
    stored: Collection[int] = (),
) -> list[tuple[int, str]]:
    """(row, code) of the numeric code cells of a column that have probably lost their
    leading zeros: shorter than the usual length of the column's other codes (or matching
    an existing code once zero-padded), unless the code exists as it is. ``lengths`` counts
    the lengths of all the column's valid codes; ``existing`` gives which of some codes
    exist, ``stored`` the lengths of the stored codes that begin with a zero (so that a
    code is matched with a stored one however few rows the file has). The text cells set
    the usual length; when every code is a number, the other numbers do (a row's own
    length never votes). A tie goes to the longer length."""
    if not numeric:
        return []
    texts = lengths - Counter(len(code) for _, code in numeric)
    candidates: dict[str, list[str]] = {}
    for _, code in numeric:
        candidates[code] = [
            code.zfill(length) for length in {*lengths, *stored} if length > len(code)
        ]
    wanted = set(candidates) | {p for padded in candidates.values() for p in padded}
    found = existing(wanted)
    lost = []
    for rowno, code in numeric:
        if code in found:
            continue
        if len(code) < _usual_length(texts or lengths - Counter({len(code): 1}), code) or any(
            p in found for p in candidates[code]
        ):
            lost.append((rowno, code))
    return lost


def _usual_length(others: Counter[int], code: str) -> int:
    if not others:
        return len(code)  # the only code of the column
    return max(others, key=lambda length: (others[length], length))


def _fast_texts(limits: dict[str, int]) -> re.Pattern:
    """The text cells of :meth:`CustomerValidator._fast` joined by line breaks."""

    def text(limit: int, least: int = 0, extra: str = "") -> str:
        return rf"[^\x00-\x1f\x7f\ud800-\udfff{INVISIBLE}{extra}]{{{least},{limit}}}"

    parts = [
        CODE_CHARACTER + "{1,32}",
        text(limits["name"], 1),
        text(limits["full_name"]),
        text(limits["occupation"]),
        text(limits["income_source"]),
        r"(?:1[3-9]\d{9})?",
        text(limits["phone"]),
        text(limits["address"]),
        text(limits["email"]),
        text(limits["broker_codes"], extra="；"),
        text(limits["broker_names"], extra="；"),
    ]
    return re.compile("\n".join(parts), re.ASCII)


def _existing(model, field: str) -> Callable[[set[str]], set[str]]:
    """Which of some codes ``model`` holds in ``field``."""

    def existing(codes: set[str]) -> set[str]:
        found: set[str] = set()
        chunk = list(codes)
        for start in range(0, len(chunk), 2000):
            lookup = {f"{field}__in": chunk[start : start + 2000]}
            found.update(model.objects.filter(**lookup).values_list(field, flat=True))
        return found

    return existing


_existing_codes = _existing(Customer, "investor_code")


def _zero_lengths(model, field: str) -> set[int]:
    """The lengths of ``model``'s stored ``field`` codes that begin with a zero."""
    rows = model.objects.filter(**{f"{field}__startswith": "0"}).annotate(n=Length(field))
    return set(rows.order_by().values_list("n", flat=True).distinct())


class ProductValidator(RowValidator):
    dataset = specs.PRODUCTS

    def __init__(self, index, errors, *, scope_path: str | None, source=None):
        super().__init__(index, errors)
        self.codes = customer_map(scope_path)
        self.seen: dict[tuple, int] = {}
        self.name_limit = _max_length(ProductHolding, "product_name")
        self.code_limit = _max_length(ProductHolding, "product_code")
        self.lengths: Counter[int] = Counter()  # of the valid rows' product codes
        self.numeric_codes: list[tuple[int, str]] = []  # product codes stored as numbers

    def row(self, rowno: int, cells: list[str]):
        pos, n, add = self.pos, len(cells), self.errors.add
        before = self.errors.count

        def cell(key: str) -> str:
            p = pos[key]
            return cells[p] if p < n else ""

        def parsed(key: str, parse: Callable, required: bool = True):
            text = cell(key)
            if not text:
                if required:
                    add(rowno, key, text, REQUIRED)
                return None
            try:
                return parse(text)
            except CellError as exc:
                add(rowno, key, text, exc.reason)
                return None

        text = cell("investor_code")
        customer_id = None
        if not text:
            add(rowno, "investor_code", text, REQUIRED)
        else:
            customer_id = self._reference(rowno, "investor_code", text, self.codes, "投资者代码")
        business_date = parsed("business_date", parse_date)
        product_code = parsed("product_code", lambda t: parse_code(t, self.code_limit))
        product_name = parsed("product_name", lambda t: check_text(t, self.name_limit))
        columns = self.dataset.by_key
        category = parsed("category", lambda t: _choice(t, columns["category"]), required=False)
        risk = parsed("product_risk", lambda t: _choice(t, columns["product_risk"]))
        if self.errors.count != before:
            return None
        key = (customer_id, product_code, business_date)
        first = self.seen.get(key)
        if first is not None:
            add(
                rowno,
                "product_code",
                product_code,
                f"与第 {first} 行重复（同一投资者、产品代码和业务日期）",
            )
            return None
        self.seen[key] = rowno
        self.lengths[len(product_code)] += 1
        if type(cell("product_code")) is NumText:
            self.numeric_codes.append((rowno, product_code))
        # The spec's stored columns in order.
        return (rowno, customer_id, business_date, product_code, product_name, category or "", risk)

    def finish(self, stage) -> list[int]:
        """Numeric product codes that have probably lost their leading zeros (and numeric
        investor codes: ``short_codes``)."""
        self.short_codes(stage)
        rejected = []
        if not self.numeric_codes:
            return []
        existing = _existing(ProductHolding, "product_code")
        stored = _zero_lengths(ProductHolding, "product_code")
        for rowno, code in lost_zeros(self.numeric_codes, self.lengths, existing, stored):
            self.errors.add(rowno, "product_code", code, LEADING_ZEROS_LOST)
            rejected.append(rowno)
        return rejected
