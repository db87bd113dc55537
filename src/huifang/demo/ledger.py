"""A year of daily account rows (客户资金日报) for the synthetic company's active customers.

Amounts are integer fen throughout, so every row satisfies the interface's identity
``equity = prev_equity + deposit − withdrawal + close_pnl + position_pnl − fee`` exactly,
and each day's ``prev_equity`` is the previous row's ``equity``. The year is generated a
trading day at a time, vectorised over the customers: memory is a few arrays of the
active count, whatever the number of days.

Heavy losers (about 2% of the active, plus planted ones) lose 60–92% of their opening
equity over the year by a steady proportional drift, which gives rule A002 its hits.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from huifang.demo import fastcsv

DAILY_HEADER = [
    "交易日期", "投资者代码", "上日权益", "入金", "出金", "平仓盈亏", "持仓盈亏", "手续费",
    "当日权益", "成交手数",
]  # fmt: skip
HUNDRED_YUAN = 10_000  # fen


@dataclass
class Accounts:
    """Profiles of the customers who trade this year, in investor-code order."""

    codes: np.ndarray  # S10
    first_day: np.ndarray  # index of the first trading day with a row
    fresh: np.ndarray  # bool: opened this year, the first row is the opening deposit
    initial: np.ndarray  # fen: equity brought in (before the year, or first deposit)
    decay: np.ndarray  # daily proportional drift (losers lose, others wander)
    volatility: np.ndarray
    trade_chance: np.ndarray
    lots: np.ndarray  # mean lots on a trading day
    fee_per_lot: np.ndarray  # fen
    cash_moves: np.ndarray  # bool: deposits and withdrawals happen

    def __len__(self) -> int:
        return self.codes.size


def accounts(
    seed: int,
    codes: np.ndarray,
    open_date: np.ndarray,
    loser: np.ndarray,
    legal: np.ndarray,
    days: np.ndarray,
) -> Accounts:
    """Draw the trading profile of each active customer (``days``: datetime64[D] array)."""
    rng = np.random.default_rng([seed, 3])
    first_day = np.searchsorted(days, open_date, side="left")
    keep = first_day < days.size
    codes, first_day, loser, legal = codes[keep], first_day[keep], loser[keep], legal[keep]
    fresh = open_date[keep] >= days[0].astype("datetime64[Y]").astype("datetime64[D]")
    n = codes.size
    yuan = np.exp(rng.normal(np.log(80_000), 1.0, n)) * np.where(legal, 8, 1)
    yuan = np.where(loser, np.maximum(yuan, rng.uniform(200_000, 2_000_000, n)), yuan)
    initial = _round_hundred(np.clip(yuan, 5_000, 50_000_000) * 100)
    remaining = np.maximum(days.size - first_day, 1)
    target = rng.uniform(0.65, 0.92, n)
    decay = np.where(loser, 1 - (1 - target) ** (1 / remaining), rng.normal(0, 0.0004, n))
    return Accounts(
        codes=codes,
        first_day=first_day,
        fresh=fresh,
        initial=initial,
        decay=decay,
        volatility=np.where(loser, rng.uniform(0.002, 0.006, n), rng.uniform(0.003, 0.015, n)),
        trade_chance=np.where(loser, rng.uniform(0.7, 0.95, n), rng.uniform(0.05, 0.8, n)),
        lots=np.exp(rng.normal(1.2, 0.8, n)),
        fee_per_lot=rng.integers(300, 2_500, n),
        cash_moves=~loser,
    )


def _round_hundred(fen: np.ndarray) -> np.ndarray:
    return (np.asarray(fen) // HUNDRED_YUAN).astype(np.int64) * HUNDRED_YUAN


def write_daily(
    handle: BinaryIO,
    book: Accounts,
    days: list[datetime.date],
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the header and every row, day by day, sorted by investor code within a day."""
    handle.write(("\ufeff" + ",".join(DAILY_HEADER) + "\n").encode("utf-8"))
    rng = np.random.default_rng([seed, 4])
    n = len(book)
    equity = np.where(book.fresh, 0, book.initial)
    code_bytes = fastcsv.text_field(book.codes, 10)
    written = 0
    for day_index, day in enumerate(days):
        live = book.first_day <= day_index
        opening = book.fresh & (book.first_day == day_index)
        prev = np.where(opening, 0, equity)
        deposit = np.where(
            (rng.random(n) < 0.012) & book.cash_moves,
            _round_hundred(book.initial * rng.uniform(0.05, 0.5, n)),
            0,
        )
        deposit = np.where(opening, book.initial, deposit)
        withdrawal = np.where(
            (rng.random(n) < 0.01) & book.cash_moves & ~opening,
            np.minimum(_round_hundred(prev * rng.uniform(0.05, 0.5, n)), prev),
            0,
        )
        available = prev + deposit - withdrawal
        traded = rng.random(n) < book.trade_chance
        volume = np.where(traded, 1 + rng.poisson(book.lots), 0)
        fee = np.minimum(volume * book.fee_per_lot, available)
        change = -book.decay + book.volatility * rng.standard_normal(n)
        pnl = np.rint(available * change).astype(np.int64)
        pnl = np.maximum(pnl, -(available - fee))  # equity never below zero
        close = np.where(traded, np.rint(pnl * rng.uniform(0.2, 1.0, n)).astype(np.int64), 0)
        position = pnl - close
        new_equity = prev + deposit - withdrawal + close + position - fee
        equity = np.where(live, new_equity, equity)
        if live.any():
            rows = int(live.sum())
            handle.write(
                fastcsv.join_rows(
                    [
                        fastcsv.constant_field(day.isoformat(), rows),
                        code_bytes[live],
                        fastcsv.money_field(prev[live]),
                        fastcsv.money_field(deposit[live], empty_zero=True),
                        fastcsv.money_field(withdrawal[live], empty_zero=True),
                        fastcsv.money_field(close[live]),
                        fastcsv.money_field(position[live]),
                        fastcsv.money_field(fee[live]),
                        fastcsv.money_field(new_equity[live]),
                        fastcsv.int_field(volume[live], 7),
                    ]
                )
            )
            written += rows
        if progress:
            progress(day_index + 1, len(days))
    return written
