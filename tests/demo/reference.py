"""Plain-Python readings of the generated files: the rules of ``docs/rules.md`` evaluated
row by row, as an independent check that the synthetic company hits every built-in rule."""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def money(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def birth_of(row: dict[str, str]) -> datetime.date | None:
    if row["生日"]:
        return day(row["生日"])
    if row["证件类型"] == "身份证" and len(row["证件号码"]) == 18:
        n = row["证件号码"]
        return datetime.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    return None


def age_on(birth: datetime.date, when: datetime.date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def eligible(row: dict[str, str], when: datetime.date) -> bool:
    if day(row["开户日期"]) > when:
        return False
    closed = row["客户状态"] in ("销户", "注销")
    return not closed or bool(row["销户日期"] and day(row["销户日期"]) > when)


def screen(directory: Path, when: datetime.date) -> dict[str, set[str]]:
    """Investor codes hit by each built-in rule at its default parameters."""
    start = datetime.date(when.year, 1, 1)
    customers = {r["投资者代码"]: r for r in read(directory / "customers.csv")}
    ok = {code for code, r in customers.items() if eligible(r, when)}
    natural = {code for code in ok if customers[code]["客户类型"] == "自然人"}
    hits: dict[str, set[str]] = {}
    hits["A001"] = {c for c in ok if start <= day(customers[c]["开户日期"]) <= when}

    pnl: dict[str, Decimal] = defaultdict(Decimal)
    base: dict[str, Decimal] = {}
    deposits: dict[str, Decimal] = defaultdict(Decimal)
    for r in read(directory / "daily.csv"):
        if not start <= day(r["交易日期"]) <= when:
            continue
        code = r["投资者代码"]
        pnl[code] += money(r["平仓盈亏"]) + money(r["持仓盈亏"]) - money(r["手续费"])
        deposits[code] += money(r["入金"])
        base.setdefault(code, money(r["上日权益"]))  # rows are in date order
    hits["A002"] = set()
    for code in ok & set(pnl):
        loss, total = -pnl[code], base[code] + deposits[code]
        if loss > 0 and loss >= Decimal("100000") and total > 0 and loss / total >= Decimal("0.5"):
            hits["A002"].add(code)

    hits["A003"] = set()
    for code in natural:
        birth = birth_of(customers[code])
        if birth and age_on(birth, when) >= 70:
            hits["A003"].add(code)
    hits["A004"] = {
        c for c in natural if customers[c]["收入来源"].strip() == "依靠积蓄并有社会保障"
    }
    hits["A005"] = {c for c in natural if customers[c]["职业"].strip() == "无业"}
    hits["A006"] = set()
    for r in read(directory / "products.csv"):
        code = r["投资者代码"]
        ordinary = customers[code]["投资者分类"] in ("", "普通投资者")
        in_period = start <= day(r["业务日期"]) <= when
        if code in ok and ordinary and in_period and int(r["风险等级"][1]) >= 4:
            hits["A006"].add(code)
    return hits
