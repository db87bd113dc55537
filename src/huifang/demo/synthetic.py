"""A synthetic futures company of any size, written as the four standard-data-interface files.

``generate(directory, CompanySpec(customers=1_000_000, active_share=0.3, year=2025))`` writes
``branches.csv``, ``customers.csv``, ``daily.csv`` and ``products.csv`` (Chinese headers,
UTF-8 with BOM, exactly the columns of ``docs/data-interface.md``). The output depends only
on the spec (seed included). Memory is bounded: customers are made a chunk at a time and
daily rows a trading day at a time.

The data is shaped so that every built-in rule (A001–A006, ``docs/rules.md``) has hits at
its default parameters for the reference date 31 December of the data year: ~12% opened in
the year, ~2% of the active lose ≥ 60% of a ≥ 200,000 yuan account, ~3% are 70 or older,
~3% 无业 and ~3% 依靠积蓄并有社会保障, ~6% hold high-risk products (R1–R5). The first ten
customers are planted examples so that even a tiny company hits every rule.
"""

from __future__ import annotations

import csv
import datetime
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from huifang.demo import ledger, names, people

BOM = "\ufeff"
BRANCH_HEADER = ["部门代码", "部门名称", "上级部门代码"]
PRODUCT_HEADER = ["投资者代码", "业务日期", "产品代码", "产品名称", "产品类别", "风险等级"]
MUNICIPALITIES = {"北京", "上海", "天津", "重庆"}
AUTONOMOUS = {"广西": "广西壮族自治区", "新疆": "新疆维吾尔自治区"}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CompanySpec:
    """What to generate. ``regions``/``offices`` default to a size-appropriate tree."""

    customers: int = 3000
    active_share: float = 0.3
    year: int = 2025
    seed: int = 20250101
    regions: int | None = None
    offices: int | None = None  # 营业部 per 分公司
    chunk: int = 100_000

    def __post_init__(self):
        if self.customers < people.PLANTED:
            raise ValueError(f"客户数至少为 {people.PLANTED}")
        if not 0 < self.active_share <= 1:
            raise ValueError("活跃客户比例须在 0 与 1 之间")

    @property
    def reference_date(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    def tree_size(self) -> tuple[int, int]:
        regions = self.regions or min(
            len(names.REGIONS), max(2, math.ceil(self.customers / 40_000))
        )
        offices = self.offices or (2 if self.customers < 20_000 else 4)
        return min(regions, len(names.REGIONS)), min(offices, 4)


@dataclass
class GeneratedCompany:
    directory: Path
    spec: CompanySpec
    files: dict[str, Path] = field(default_factory=dict)  # dataset → file
    counts: dict[str, int] = field(default_factory=dict)  # dataset → rows
    trading_days: int = 0
    active: int = 0
    seconds: float = 0.0


def trading_days(year: int) -> list[datetime.date]:
    """Exchange trading days: working days that are Monday–Friday.

    Weekend make-up working days (调休上班) are not trading days. Years that the
    ``chinesecalendar`` package does not cover fall back to Monday–Friday.
    """
    import chinese_calendar

    day, days = datetime.date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5:
            try:
                open_day = chinese_calendar.is_workday(day)
            except NotImplementedError:
                open_day = True
            if open_day:
                days.append(day)
        day += datetime.timedelta(days=1)
    return days


def branch_tree(spec: CompanySpec) -> list[tuple[str, str, str]]:
    """(code, name, parent code) rows: 总部 ``01`` → 分公司 ``0101`` → 营业部 ``010101``."""
    regions, offices = spec.tree_size()
    rows = [("01", "总部", "")]
    for r, (region, office_names) in enumerate(names.REGIONS[:regions], start=1):
        region_code = f"01{r:02d}"
        rows.append((region_code, f"{region}分公司", "01"))
        for o, office in enumerate(office_names[:offices], start=1):
            rows.append((f"{region_code}{o:02d}", office, region_code))
    return rows


def _place(region: str) -> str:
    if region in MUNICIPALITIES:
        return region + "市"
    return AUTONOMOUS.get(region, region + "省")


def sales_offices(spec: CompanySpec) -> list[tuple[str, str, str]]:
    """The 营业部 (leaves of the tree) as (code, name, place for addresses)."""
    place = {f"01{r:02d}": _place(region) for r, (region, _) in enumerate(names.REGIONS, 1)}
    return [
        (code, name, place[parent]) for code, name, parent in branch_tree(spec) if len(code) == 6
    ]


def _brokers(spec: CompanySpec, offices) -> list[list[tuple[str, str]]]:
    staff = people.staff_names(spec.seed, 8 * len(offices))
    return [
        [(f"{code}{k + 1:02d}", staff[i * 8 + k]) for k in range(8)]
        for i, (code, _, _) in enumerate(offices)
    ]


def product_rows(spec: CompanySpec, chunk: people.CustomerChunk) -> list[list[str]]:
    """High-risk product rows for the chunk's holders: 1–3 distinct products each, 70% of
    them bought in the data year, never before the account was opened."""
    rng = np.random.default_rng([spec.seed, 5, int(chunk.index[0])])
    holders = np.flatnonzero(chunk.products)
    n = holders.size
    catalogue = names.PRODUCTS
    count = rng.integers(1, 4, n)
    first = rng.integers(0, len(catalogue), n)
    year_start = np.datetime64(datetime.date(spec.year, 1, 1), "D")
    reference = np.datetime64(spec.reference_date, "D")
    rows = []
    for k in range(3):
        take = count > k
        who = holders[take]
        product = (first[take] + 5 * k) % len(catalogue)
        opened = chunk.open_date[who]
        this_year = rng.random(who.size) < 0.7
        start = np.where(this_year, np.maximum(opened, year_start), opened)
        span = np.maximum((np.where(this_year, reference, year_start - 1) - start).astype(int), 0)
        when = start + (rng.random(who.size) * (span + 1)).astype(np.int64)
        when = np.minimum(when, reference)
        for i, p, d in zip(who, product, people.date_strings(when), strict=True):
            rows.append((int(i), k, p, d))
    for i, p in zip(people.PLANT_PRODUCTS, (7, 2), strict=True):  # R5 资管 / R4 期权 in the year
        if chunk.index[0] <= i < chunk.index[0] + chunk.index.size:
            local = i - int(chunk.index[0])
            rows.append((local, 9, p, f"{spec.year}-06-{10 + i:02d}"))
    rows.sort()
    out, seen = [], set()
    for local, _, p, day in rows:
        if (local, p, day) in seen:
            continue
        seen.add((local, p, day))
        code, name, category, risk = catalogue[p]
        out.append([chunk.codes[local].decode(), day, code, name, category, f"R{risk}"])
    return out


def _open_csv(path: Path, header: list[str]):
    handle = open(path, "w", encoding="utf-8", newline="")
    handle.write(BOM)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    return handle, writer


def generate(
    directory: str | Path, spec: CompanySpec, progress: Progress | None = None
) -> GeneratedCompany:
    """Write the four files into ``directory`` and return their paths and row counts."""
    started = time.perf_counter()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    result = GeneratedCompany(directory=out, spec=spec)
    files = {name: out / f"{name}.csv" for name in ("branches", "customers", "daily", "products")}
    result.files = files

    tree = branch_tree(spec)
    handle, writer = _open_csv(files["branches"], BRANCH_HEADER)
    with handle:
        writer.writerows(tree)
    result.counts["branches"] = len(tree)

    offices = sales_offices(spec)
    brokers = _brokers(spec, offices)
    active_parts: dict[str, list[np.ndarray]] = {"codes": [], "open": [], "loser": [], "legal": []}
    customers = products = 0
    customer_file, customer_writer = _open_csv(files["customers"], people.CUSTOMER_HEADER)
    product_file, product_writer = _open_csv(files["products"], PRODUCT_HEADER)
    with customer_file, product_file:
        for start in range(0, spec.customers, spec.chunk):
            stop = min(start + spec.chunk, spec.customers)
            chunk = people.customer_chunk(spec, offices, brokers, start, stop)
            customer_writer.writerows(chunk.rows)
            customers += len(chunk.rows)
            rows = product_rows(spec, chunk)
            product_writer.writerows(rows)
            products += len(rows)
            active = chunk.active
            active_parts["codes"].append(chunk.codes[active])
            active_parts["open"].append(chunk.open_date[active])
            active_parts["loser"].append(chunk.loser[active])
            active_parts["legal"].append(chunk.legal[active])
            if progress:
                progress("customers", stop, spec.customers)
    result.counts["customers"], result.counts["products"] = customers, products

    days = trading_days(spec.year)
    book = ledger.accounts(
        spec.seed,
        np.concatenate(active_parts["codes"]),
        np.concatenate(active_parts["open"]),
        np.concatenate(active_parts["loser"]),
        np.concatenate(active_parts["legal"]),
        np.array(days, dtype="datetime64[D]"),
    )
    del active_parts
    with open(files["daily"], "wb", buffering=4 * 1024 * 1024) as daily:
        result.counts["daily"] = ledger.write_daily(
            daily,
            book,
            days,
            spec.seed,
            (lambda done, total: progress("daily", done, total)) if progress else None,
        )
    result.trading_days = len(days)
    result.active = len(book)
    result.seconds = time.perf_counter() - started
    return result
