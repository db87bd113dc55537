"""A straightforward Python reading of docs/rules.md, row by row, for the property tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from huifang.rules.engine.rulesql import TRIM_CHARS
from huifang.rules.params import resolve_period

NAMES = {
    "A001": "新开户客户",
    "A002": "大额亏损客户",
    "A003": "老年交易者",
    "A004": "收入为“依靠积蓄并有社会保障”的客户",
    "A005": "职业为“无业”的客户",
    "A006": "购买或接受高风险产品或服务的客户",
}


def eligible(c, as_of, exclude_dormant=False) -> bool:
    if c.open_date > as_of:
        return False
    if c.status == "closed" and not (c.close_date is not None and c.close_date > as_of):
        return False
    return not (exclude_dormant and c.dormant)


def age(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def a001(c, rows, products, as_of, p):
    start, end = resolve_period(p, as_of)
    return start <= c.open_date <= end


def a002(c, rows, products, as_of, p):
    start, end = resolve_period(p, as_of)
    inside = sorted((r for r in rows if start <= r.trade_date <= end), key=lambda r: r.trade_date)
    if not inside:
        return False
    pnl = sum((r.close_pnl + r.position_pnl - r.fee for r in inside), Decimal(0))
    loss = -pnl
    base = inside[0].prev_equity + sum((r.deposit for r in inside), Decimal(0))
    ratio = Decimal(p["min_loss_ratio"])
    if not (loss > 0 and loss >= Decimal(p["min_loss_amount"])):
        return False
    return ratio == 0 or (base > 0 and loss / base >= ratio)


def a003(c, rows, products, as_of, p):
    if c.customer_type != "natural" or c.birth_date is None:
        return False
    if age(c.birth_date, as_of) < int(p["min_age"]):
        return False
    if p.get("require_trade_in_period"):
        start, end = resolve_period(p, as_of)
        return sum(r.volume for r in rows if start <= r.trade_date <= end) > 0
    return True


def _text(attr):
    def rule(c, rows, products, as_of, p):
        value = getattr(c, attr).strip(TRIM_CHARS)
        return c.customer_type == "natural" and value in [v.strip(TRIM_CHARS) for v in p["values"]]

    return rule


def a006(c, rows, products, as_of, p):
    start, end = resolve_period(p, as_of)
    if p.get("ordinary_only") and c.investor_class != "ordinary":
        return False
    return any(
        start <= x.business_date <= end and x.product_risk >= int(p["min_product_risk"])
        for x in products
    )


RULES = {
    "A001": a001,
    "A002": a002,
    "A003": a003,
    "A004": _text("income_source"),
    "A005": _text("occupation"),
    "A006": a006,
}


def screen(customers, rows_by, products_by, as_of, params_by_code, exclude_dormant=False):
    """{customer_id: reasons} exactly as the engine should merge them."""
    out = {}
    for c in customers:
        if not eligible(c, as_of, exclude_dormant):
            continue
        codes = [
            code
            for code in sorted(params_by_code)
            if RULES[code](
                c, rows_by.get(c.pk, []), products_by.get(c.pk, []), as_of, params_by_code[code]
            )
        ]
        if codes:
            out[c.pk] = "；".join(NAMES[code] for code in codes)
    return out
