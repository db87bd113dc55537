"""Validation of daily account rows (客户资金日报), the dataset with millions of rows.

A big firm sends ~300k rows a day, so the common shape takes a fast path: every column
present, a trade date already accepted in this file, a known in-scope investor code, money
with exactly two decimals (or empty) and a plain lot count. One regular expression checks
the eight numbers at once. Anything else — and every row with a problem — goes through the
full per-cell checks, which report each error. Both paths accept the same rows and stage
the same tuple, the spec's stored columns in order and the target's stage-only code:
``(rowno, "YYYY-MM-DD", customer_id, *fen amounts, volume, code)``; the date is ISO text,
what the staging table stores anyway; ``code`` is None, or the investor code when a small
file's codes are resolved in SQL (then ``customer_id`` is None until ``finish`` fills it).
"""

from __future__ import annotations

import operator
import re

from django.db.models import Max

from huifang.customers.importers import specs
from huifang.customers.importers.cells import (
    CODE_CHARACTER,
    PLAIN_AMOUNT,
    CellError,
    parse_cents,
    parse_code,
    parse_count,
    parse_date,
)
from huifang.customers.importers.targets import DAILY as TARGET
from huifang.customers.importers.validators import (
    REQUIRED,
    CodeMap,
    Errors,
    FastPathValidator,
    customer_map,
)
from huifang.customers.models import Customer

# The money columns in file order (MoneyField in the model: fen in the database).
AMOUNTS = tuple(name for name in TARGET.names if name in TARGET.money)
NUMBERS = (*AMOUNTS, "volume")

# The eight numbers joined by "|". No field pattern matches "|", so a match also proves
# that splitting at "|" gives back the eight cells. ``\d{1,13}`` keeps far below MAX_CENTS;
# 上日权益 and 当日权益 are required, the other amounts and the lots may be empty.
_FAST_AMOUNT = r"-?\d{1,13}\.\d\d"
FAST_NUMBERS = re.compile(
    r"\|".join(
        [
            _FAST_AMOUNT if key in ("prev_equity", "equity") else f"(?:{_FAST_AMOUNT})?"
            for key in AMOUNTS
        ]
        + [r"\d{0,15}"]
    ),
    re.ASCII,
)
plain_amount = PLAIN_AMOUNT.fullmatch


# A file expected to hold fewer rows than this share of the customers stages its investor
# codes and resolves them with one UPDATE over the stage (a probe of the unique code index
# per row) instead of loading every customer's code into a dict (~1.2 s at a million).
SQL_CODES_BELOW = 0.5
CSV_BYTES_PER_ROW = 48  # shorter than real rows (~64 bytes): the estimate errs to more rows
CODE = re.compile(CODE_CHARACTER + "{1,32}", re.ASCII)  # what parse_code(…, 32) accepts


def resolve_in_sql(source) -> bool:
    """Whether a daily file resolves its codes in SQL: a CSV file (plain text cells, so no
    "leading zeros lost" hints to give) that is small beside the customer table."""
    if source is None or not source.plain_text:
        return False
    rows = source.expected_rows(CSV_BYTES_PER_ROW)
    if rows is None:
        return False
    customers = Customer.objects.aggregate(last=Max("id"))["last"] or 0
    return rows < customers * SQL_CODES_BELOW


class DailyValidator(FastPathValidator):
    """Two ways to find the customer of a row, the same rows accepted and the same errors:

    - a dict of every investor code (big files: a month of a big firm is 5M rows);
    - codes staged as text and resolved by ``finish`` in SQL (a night's file), unknown and
      out-of-scope codes reported there. A row rejected for another reason has its code
      looked up at once, so that it is reported exactly as with the dict.

    Errors are put in row and column order by the engine, whichever way found them."""

    dataset = specs.DAILY
    parallel = True

    def __init__(self, index, errors, *, scope_path: str | None, source=None):
        super().__init__(index, errors)
        self.scope_path = scope_path
        self.in_sql = resolve_in_sql(source)
        self.dates: dict[str, str] = {}  # cell text of an accepted date → ISO date
        self.repeats: list[tuple[int, str, object, str]] = []  # row, ISO date, key, cell
        # In another process (``in_part``): lookups that would query the database, left
        # for ``absorb`` — (row, code, the error to add if the code is valid, or None).
        self.deferred: list[tuple[int, str, tuple | None]] | None = None
        # Whether the staged rows came in (trade date, customer) order, the daily table's
        # key order (``_next_key``; unknown when codes are resolved in SQL). A back office
        # writes its files sorted by date and investor code, which is customer id order
        # once the customer file has been imported sorted by code.
        self.key_ordered = not self.in_sql
        self.first_key: tuple[str, int] | None = None
        self.last_day, self.last_id = "", 0
        if self.in_sql:
            self.codes = CodeMap({}, None)
            self.looked_up: dict[str, tuple[int | None, bool]] = {}  # code → (id, in scope)
            # ISO date → the codes staged for it
            self.seen_codes: dict[str, set[str]] = {}
            self._fast = self._fast_by_code
        else:
            self.codes = customer_map(scope_path)
            allowed = self.codes.allowed
            self.fast_ids = (
                self.codes.ids
                if allowed is None
                else {code: pk for code, pk in self.codes.ids.items() if pk in allowed}
            )
            # ISO date → one byte per customer id, set once a row of that day and customer
            # is staged: ~1 MB a day at a million customers, where a dict of row numbers
            # took ~80 bytes a row (a month file of 5M rows: 400 MB).
            self.seen: dict[str, bytearray] = {}
            self.size = max(self.codes.ids.values(), default=0) + 1
        self.amount_positions = [(key, self.pos[key]) for key in AMOUNTS]
        number_positions = [self.pos[key] for key in NUMBERS]
        self.date_at, self.code_at = self.pos["trade_date"], self.pos["investor_code"]
        # An absent column's position is huge: such files always take the full checks.
        self.width = max(self.date_at, self.code_at, *number_positions) + 1
        self.numbers = operator.itemgetter(*number_positions)

    def _fast(self, rowno: int, cells: list[str]) -> tuple | None:
        """The stage tuple of a well-formed common row, or None: let the full checks decide."""
        day = self.dates.get(cells[self.date_at])
        customer_id = self.fast_ids.get(cells[self.code_at])
        numbers = "|".join(self.numbers(cells))
        if day is None or customer_id is None or FAST_NUMBERS.fullmatch(numbers) is None:
            return None
        values = _balanced(numbers)
        if values is None:
            return None
        seen = self.seen[day]
        if seen[customer_id]:
            return None
        seen[customer_id] = 1
        if customer_id > self.last_id and day == self.last_day:
            self.last_id = customer_id
        else:
            self._next_key(day, customer_id)
        return (rowno, day, customer_id, *values, None)

    def _fast_by_code(self, rowno: int, cells: list[str]) -> tuple | None:
        """``_fast`` when codes are resolved in SQL: the code is checked for form only."""
        day = self.dates.get(cells[self.date_at])
        code = cells[self.code_at]
        numbers = "|".join(self.numbers(cells))
        if day is None or CODE.fullmatch(code) is None or FAST_NUMBERS.fullmatch(numbers) is None:
            return None
        values = _balanced(numbers)
        if values is None:
            return None
        seen = self.seen_codes[day]
        if code in seen:
            return None
        seen.add(code)
        return (rowno, day, None, *values, code)

    def _checked(self, rowno: int, cells: list[str]) -> tuple | None:
        """Every check, each failure reported with its row, column and reason."""
        pos, n, add = self.pos, len(cells), self.errors.add
        before = self.errors.count
        p = pos["trade_date"]
        text = cells[p] if p < n else ""
        day = None
        if not text:
            add(rowno, "trade_date", text, REQUIRED)
        else:
            try:
                day = parse_date(text).isoformat()
            except CellError as exc:
                add(rowno, "trade_date", text, exc.reason)
            else:
                self.dates[text] = day
                if self.in_sql:
                    self.seen_codes.setdefault(day, set())
                elif day not in self.seen:
                    self.seen[day] = bytearray(self.size)
        p = pos["investor_code"]
        text = cells[p] if p < n else ""
        customer_id = code = None  # with codes resolved in SQL: the code, checked for form
        if not text:
            add(rowno, "investor_code", text, REQUIRED)
        elif self.in_sql:
            try:
                code = parse_code(text, 32)
            except CellError as exc:
                add(rowno, "investor_code", text, exc.reason)
        else:
            customer_id = self._reference(rowno, "investor_code", text, self.codes, "投资者代码")
        amounts = []
        for key, p in self.amount_positions:
            text = cells[p] if p < n else ""
            if not text:
                if key == "prev_equity" or key == "equity":
                    add(rowno, key, text, REQUIRED)
                amounts.append(0)
                continue
            match = plain_amount(text)
            if match is not None:  # inlined fast path of parse_cents
                sign, whole, frac = match.groups()
                cents = int(whole) * 100 + (int(frac.ljust(2, "0")) if frac else 0)
                amounts.append(-cents if sign else cents)
                continue
            try:
                amounts.append(parse_cents(text))
            except CellError as exc:
                add(rowno, key, text, exc.reason)
                amounts.append(0)
        prev, deposit, withdrawal, close_pnl, position_pnl, fee, equity = amounts
        if fee < 0:
            add(rowno, "fee", cells[pos["fee"]], "手续费不能为负数")
        p = pos["volume"]
        text = cells[p] if p < n else ""
        volume = 0
        if text:
            try:
                volume = parse_count(text)
            except CellError as exc:
                add(rowno, "volume", text, "成交手数" + exc.reason)
        if self.errors.count != before:
            if code is not None:
                self._look_up_later(rowno, code)
            return None
        expected = prev + deposit - withdrawal + close_pnl + position_pnl - fee
        if abs(expected - equity) > 1:
            error = (
                "equity",
                cells[pos["equity"]],
                f"当日权益应等于上日权益+入金−出金+平仓盈亏+持仓盈亏−手续费 = {_yuan(expected)}",
            )
            # With the dict, an unknown code is reported instead (checked before this).
            if code is None:
                add(rowno, *error)
            else:
                self._look_up_later(rowno, code, error)
            return None
        if code is not None:
            seen_codes = self.seen_codes[day]
            if code in seen_codes:  # reported by ``finish``, which looks up the first row
                self.repeats.append((rowno, day, code, cells[pos["investor_code"]]))
                return None
            seen_codes.add(code)
            return (rowno, day, None, *amounts, volume, code)
        seen = self.seen[day]
        if seen[customer_id]:  # reported by ``finish``, which looks up the first row
            self.repeats.append((rowno, day, customer_id, cells[pos["investor_code"]]))
            return None
        seen[customer_id] = 1
        self._next_key(day, customer_id)
        return (rowno, day, customer_id, *amounts, volume, None)

    def _next_key(self, day: str, customer_id: int) -> None:
        """Note the key of a staged row (the dict way), and whether the rows so far came
        in key order: then they are inserted in file order, without sorting them."""
        if self.first_key is None:
            self.first_key = (day, customer_id)
        elif (day, customer_id) <= (self.last_day, self.last_id):
            self.key_ordered = False
        self.last_day, self.last_id = day, customer_id

    def _look_up_later(self, rowno: int, code: str, error: tuple | None = None) -> None:
        """Report a rejected row's code problem, if any; ``error`` (column, cell, reason)
        only when the code is valid. In another process: left for ``absorb``."""
        if self.deferred is not None:
            self.deferred.append((rowno, code, error))
        elif self._look_up(rowno, code) is not None and error is not None:
            self.errors.add(rowno, *error)

    def _look_up(self, rowno: int, code: str) -> int | None:
        """A row's customer id found at once (codes resolved in SQL, the row rejected for
        another reason), its problem reported as the dict's lookup reports it."""
        if code not in self.looked_up:
            found = Customer.objects.filter(investor_code=code).values_list("id", "branch__path")
            pk, path = found.first() or (None, "")
            in_scope = self.scope_path is None or path.startswith(self.scope_path)
            self.looked_up[code] = (pk, in_scope)
        pk, in_scope = self.looked_up[code]
        codes = CodeMap({code: pk} if pk is not None else {}, None if in_scope else set())
        return self._reference(rowno, "investor_code", code, codes, "投资者代码")

    # -- a part of the file in another process (parallel.py) --------------------------------

    def in_part(self) -> None:
        """This copy validates a part of the file in another process: its own errors, no
        database (lookups wait for ``absorb``), row numbers counted within the part."""
        self.errors = Errors(self.dataset, self.errors.limit)
        self.deferred = []

    def part_state(self) -> dict:
        """What ``absorb`` needs from the process that validated a part."""
        seen = self.seen_codes if self.in_sql else self.seen
        return {
            "errors": self.errors.items,
            "count": self.errors.count,
            "repeats": self.repeats,
            "deferred": self.deferred,
            "seen": seen,
            "key_ordered": self.key_ordered,
            "first_key": self.first_key,
            "last_key": (self.last_day, self.last_id),
        }

    def absorb(self, state: dict, offset: int, stage) -> None:
        """Take in a part validated elsewhere, whose staged rows ``stage`` holds already
        (row numbers after ``offset``): its errors, its repeats, its deferred lookups; and
        the (trade date, investor) pairs both this process and the part staged: the part's
        row repeats an earlier one, so it is taken out of the stage and reported as such."""
        self.errors.absorb(state["errors"], state["count"], offset)
        part_first = state["first_key"]
        if part_first is not None:
            if self.first_key is None:
                self.first_key = part_first
            elif part_first <= (self.last_day, self.last_id):
                self.key_ordered = False
            self.key_ordered = self.key_ordered and state["key_ordered"]
            self.last_day, self.last_id = state["last_key"]
        self.repeats.extend(
            (row + offset, day, key, cell) for row, day, key, cell in state["repeats"]
        )
        for row, code, error in state["deferred"]:
            self._look_up_later(row + offset, code, error)
        if self.in_sql:
            both = []
            for day, codes in state["seen"].items():
                mine = self.seen_codes.setdefault(day, set())
                both += [(day, code) for code in mine & codes]
                mine |= codes
            key = ("trade_date", "investor_code")
        else:
            both = []
            for day, theirs in state["seen"].items():
                mine = self.seen.get(day)
                if mine is None:
                    self.seen[day] = theirs
                    continue
                a, b = int.from_bytes(mine, "little"), int.from_bytes(theirs, "little")
                both += [(day, pk) for pk in _ones((a & b).to_bytes(len(mine), "little"))]
                self.seen[day] = bytearray((a | b).to_bytes(len(mine), "little"))
            key = ()
        if not both:
            return
        repeated = stage.first_rows(both, key=key, after=offset)  # the part's rows
        stage.remove(list(repeated.values()))
        codes: dict[int, str] = {}  # the dict way: the code (the cell's text) of an id
        if not self.in_sql:
            wanted = {pk for _, pk in both}
            codes = {pk: code for code, pk in self.codes.ids.items() if pk in wanted}
        for (day, k), row in repeated.items():
            self.repeats.append((row, day, k, k if self.in_sql else codes[k]))

    def finish(self, stage) -> list[int]:
        """Codes resolved in SQL: rows with unknown or out-of-scope codes are reported and
        taken out. Then rows repeating a staged (trade date, investor) pair, each reported
        with the row it repeats (looked up in the stage)."""
        rejected: list[int] = []
        problems: dict[str, str] = {}  # code → why its rows were refused
        if self.in_sql:
            customers = Customer._meta.db_table
            stage.resolve("customer_id", "investor_code", customers, "investor_code")
            allowed = None
            if self.scope_path is not None:
                scoped = Customer.objects.filter(branch__path__startswith=self.scope_path)
                allowed = scoped.order_by().values("id").query.sql_with_params()
            for rowno, code, pk in stage.unresolved("customer_id", "investor_code", allowed):
                reason = "投资者代码不存在" if pk is None else "该客户不在您的权限范围内"
                self.errors.add(rowno, "investor_code", code, reason)
                problems[code] = reason
                rejected.append(rowno)
        if self.repeats:
            by_code = self.in_sql
            pending = [r for r in self.repeats if not (by_code and r[2] in problems)]
            first = stage.first_rows(
                [(day, key) for _, day, key, _ in pending],
                key=("trade_date", "investor_code") if by_code else (),
            )
            for rowno, day, key, cell in self.repeats:
                if by_code and key in problems:
                    self.errors.add(rowno, "investor_code", cell, problems[key])
                    continue
                self.errors.add(
                    rowno,
                    "investor_code",
                    cell,
                    f"与第 {first[day, key]} 行重复（同一交易日期和投资者代码）",
                )
        self.short_codes(stage)
        return rejected + super().finish(stage)


def _ones(flags: bytes):
    """Positions of the non-zero bytes."""
    position = flags.find(1)
    while position >= 0:
        yield position
        position = flags.find(1, position + 1)


def _balanced(numbers: str) -> list[int] | None:
    """The eight fen values of a fast-path row (two decimals each: dropping the point gives
    fen), or None when the fee is negative or the equity does not balance."""
    values = [int(v) if v else 0 for v in numbers.replace(".", "").split("|")]
    prev, deposit, withdrawal, close_pnl, position_pnl, fee, equity, _ = values
    if fee < 0 or abs(prev + deposit - withdrawal + close_pnl + position_pnl - fee - equity) > 1:
        return None
    return values


def _yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"
