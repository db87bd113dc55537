"""Validation of daily account rows (客户资金日报), the dataset with millions of rows.

A big firm sends ~300k rows a day, so the common shape takes a fast path: every column
present, a trade date already accepted in this file, a known in-scope investor code, money
with exactly two decimals (or empty) and a plain lot count. One regular expression checks
the eight numbers at once. Anything else — and every row with a problem — goes through the
full per-cell checks, which report each error. Both paths accept the same rows and stage
the same tuple: ``(rowno, customer_id, "YYYY-MM-DD", *fen amounts, volume)``; the date is
ISO text, what the staging table stores anyway.
"""

from __future__ import annotations

import operator
import re

from huifang.customers.importers import specs
from huifang.customers.importers.cells import (
    PLAIN_AMOUNT,
    CellError,
    parse_cents,
    parse_count,
    parse_date,
)
from huifang.customers.importers.validators import REQUIRED, FastPathValidator, customer_map

AMOUNTS = ("prev_equity", "deposit", "withdrawal", "close_pnl", "position_pnl", "fee", "equity")
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


class DailyValidator(FastPathValidator):
    dataset = specs.DAILY

    def __init__(self, index, errors, *, scope_path: str | None):
        super().__init__(index, errors)
        self.codes = customer_map(scope_path)
        allowed = self.codes.allowed
        self.fast_ids = (
            self.codes.ids
            if allowed is None
            else {code: pk for code, pk in self.codes.ids.items() if pk in allowed}
        )
        self.dates: dict[str, str] = {}  # cell text of an accepted date → ISO date
        # ISO date → one byte per customer id, set once a row of that day and customer is
        # staged: ~1 MB a day at a million customers, where a dict of row numbers took
        # ~80 bytes a row (a month file of 5M rows: 400 MB).
        self.seen: dict[str, bytearray] = {}
        self.size = max(self.codes.ids.values(), default=0) + 1
        self.repeats: list[tuple[int, str, int, str]] = []  # row, ISO date, customer, cell
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
        # Exactly two decimals: dropping the point gives fen.
        values = [int(v) if v else 0 for v in numbers.replace(".", "").split("|")]
        prev, deposit, withdrawal, close_pnl, position_pnl, fee, equity, _ = values
        if (
            fee < 0
            or abs(prev + deposit - withdrawal + close_pnl + position_pnl - fee - equity) > 1
        ):
            return None
        seen = self.seen[day]
        if seen[customer_id]:
            return None
        seen[customer_id] = 1
        return (rowno, customer_id, day, *values)

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
                if day not in self.seen:
                    self.seen[day] = bytearray(self.size)
        p = pos["investor_code"]
        text = cells[p] if p < n else ""
        customer_id = None
        if not text:
            add(rowno, "investor_code", text, REQUIRED)
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
            return None
        expected = prev + deposit - withdrawal + close_pnl + position_pnl - fee
        if abs(expected - equity) > 1:
            add(
                rowno,
                "equity",
                cells[pos["equity"]],
                f"当日权益应等于上日权益+入金−出金+平仓盈亏+持仓盈亏−手续费 = {_yuan(expected)}",
            )
            return None
        seen = self.seen[day]
        if seen[customer_id]:  # reported by ``finish``, which looks up the first row
            self.repeats.append((rowno, day, customer_id, cells[pos["investor_code"]]))
            return None
        seen[customer_id] = 1
        return (rowno, customer_id, day, *amounts, volume)

    def finish(self, stage) -> list[int]:
        """Rows repeating a staged (trade date, investor) pair, each reported with the row
        it repeats (looked up in the stage)."""
        if self.repeats:
            first = stage.first_rows([(day, cid) for _, day, cid, _ in self.repeats])
            for rowno, day, customer_id, cell in self.repeats:
                self.errors.add(
                    rowno,
                    "investor_code",
                    cell,
                    f"与第 {first[day, customer_id]} 行重复（同一交易日期和投资者代码）",
                )
        return super().finish(stage)


def _yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"
