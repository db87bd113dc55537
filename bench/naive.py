"""The naive way to screen: a Python loop over customers, two queries each.

This is what Huifang's set-based SQL avoids; the benchmark times it at ≤ 100,000 customers
to show the difference. Same rules, same defaults as ``duckdb_screen`` (``docs/rules.md``).
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal


def age_on(birth: datetime.date, when: datetime.date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def screen(as_of: datetime.date, limit: int | None = None) -> tuple[Counter, int]:
    """Per-rule hit counts and the number of customers hit."""
    from huifang.customers.models import Customer, DailyBalance, ProductHolding

    start = datetime.date(as_of.year, 1, 1)
    hits: Counter = Counter()
    customers = 0
    queryset = Customer.objects.order_by("id")
    if limit:
        queryset = queryset[:limit]
    for customer in queryset.iterator(chunk_size=2000):
        if customer.open_date > as_of:
            continue
        if customer.status == "closed" and not (
            customer.close_date and customer.close_date > as_of
        ):
            continue
        found = set()
        if start <= customer.open_date <= as_of:
            found.add("A001")
        rows = DailyBalance.objects.of_customer(customer, start, as_of).order_by("trade_date")
        pnl = deposits = Decimal(0)
        base = None
        for prev, deposit, close, position, fee in rows.values_list(
            "prev_equity", "deposit", "close_pnl", "position_pnl", "fee"
        ):
            base = prev if base is None else base
            pnl += close + position - fee
            deposits += deposit
        if base is not None:
            loss, total = -pnl, base + deposits
            if loss > 0 and loss >= 100000 and total > 0 and loss >= Decimal("0.5") * total:
                found.add("A002")
        if customer.customer_type == "natural":
            if customer.birth_date and age_on(customer.birth_date, as_of) >= 70:
                found.add("A003")
            if customer.income_source.strip() == "依靠积蓄并有社会保障":
                found.add("A004")
            if customer.occupation.strip() == "无业":
                found.add("A005")
        if customer.investor_class == "ordinary" and (
            ProductHolding.objects.filter(
                customer_id=customer.pk,
                business_date__gte=start,
                business_date__lte=as_of,
                product_risk__gte=4,
            ).exists()
        ):
            found.add("A006")
        hits.update(found)
        customers += bool(found)
    return hits, customers
