"""Property-based: (a) each built-in rule equals the Python reference on generated data;
(b) the monthly-aggregate shortcut equals screening straight from daily rows."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate, ProductHolding
from huifang.rules import engine, ruletypes
from huifang.rules.engine import RuleSpec
from huifang.rules.params import defaults

from . import reference
from .conftest import refresh

D = datetime.date
TYPES = {
    "A001": "new_account",
    "A002": "large_loss",
    "A003": "elderly",
    "A004": "income_source",
    "A005": "occupation",
    "A006": "high_risk_product",
}
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

days = st.dates(D(2024, 11, 1), D(2025, 3, 31))
fen = st.integers(-300_00, 300_00).map(lambda n: Decimal(n) / 100)
texts = st.sampled_from(
    [
        "无业",
        " 无业",
        "无业\u3000",
        "\t无业 ",
        "教师",
        "",
        "依靠积蓄并有社会保障",
        " 依靠积蓄并有社会保障 ",
        "工资",
    ]
)
customer_st = st.fixed_dictionaries(
    {
        "customer_type": st.sampled_from(["natural", "natural", "legal"]),
        "open_date": st.dates(D(2024, 6, 1), D(2025, 4, 30)),
        "closed": st.none() | st.dates(D(2024, 12, 1), D(2025, 4, 30)),
        "status_closed": st.booleans(),
        "dormant": st.booleans(),
        "birth_date": st.none() | st.dates(D(1950, 1, 1), D(1960, 12, 31)),
        "occupation": texts,
        "income_source": texts,
        "investor_class": st.sampled_from(["ordinary", "professional"]),
        "rows": st.lists(
            st.tuples(
                days,
                st.integers(-500_00, 2000_00).map(lambda n: Decimal(n) / 100),
                fen,
                fen,
                st.integers(0, 50_00).map(lambda n: Decimal(n) / 100),
                st.integers(0, 300_00).map(lambda n: Decimal(n) / 100),
                st.integers(0, 5),
            ),
            max_size=8,
            unique_by=lambda t: t[0],
        ),
        "products": st.lists(
            st.tuples(days, st.integers(1, 5)), max_size=3, unique_by=lambda t: t[0]
        ),
    }
)
period = st.one_of(
    st.just((None, None)),
    st.tuples(days, days)
    .map(lambda t: tuple(sorted(t)))
    .map(lambda t: (t[0].isoformat(), t[1].isoformat())),
)
params_st = st.fixed_dictionaries(
    {
        "period": period,
        "min_loss_amount": st.sampled_from(["0.00", "1.00", "50.00", "300.00"]),
        "min_loss_ratio": st.sampled_from(["0", "0.01", "0.1", "0.5", "1"]),
        "min_age": st.sampled_from([64, 65, 70, 75]),
        "require_trade_in_period": st.booleans(),
        "min_product_risk": st.integers(1, 5),
        "ordinary_only": st.booleans(),
    }
)


def build(branch, data):
    DailyBalance.objects.all().delete()
    MonthlyAggregate.objects.all().delete()
    ProductHolding.objects.all().delete()
    Customer.objects.all().delete()
    customers, rows_by, products_by = [], defaultdict(list), defaultdict(list)
    for i, item in enumerate(data):
        closed = item["status_closed"]
        c = Customer.objects.create(
            investor_code=f"P{i:05d}",
            name="客户",
            customer_type=item["customer_type"],
            open_date=item["open_date"],
            status="closed" if closed else "active",
            close_date=item["closed"],
            dormant=item["dormant"],
            birth_date=item["birth_date"],
            occupation=item["occupation"],
            income_source=item["income_source"],
            investor_class=item["investor_class"],
            branch=branch,
        )
        customers.append(c)
        for day, prev, close, pos, fee, dep, vol in item["rows"]:
            rows_by[c.pk].append(
                DailyBalance.objects.create(
                    customer=c,
                    trade_date=day,
                    prev_equity=prev,
                    close_pnl=close,
                    position_pnl=pos,
                    fee=fee,
                    deposit=dep,
                    withdrawal=Decimal(0),
                    equity=prev,
                    volume=vol,
                )
            )
        for n, (day, risk) in enumerate(item["products"]):
            products_by[c.pk].append(
                ProductHolding.objects.create(
                    customer=c,
                    business_date=day,
                    product_code=f"X{n}",
                    product_name="产品",
                    product_risk=risk,
                )
            )
    refresh()
    return customers, rows_by, products_by


def rule_params(p) -> dict[str, dict]:
    start, end = p["period"]
    out = {}
    for code, rule_type in TYPES.items():
        params = defaults(rule_type)
        for key in params:
            if key in p:
                params[key] = p[key]
        if "period_start" in params:
            params["period_start"], params["period_end"] = start, end
        out[code] = params
    return out


def engine_result(as_of, by_code, **kwargs) -> dict[int, str]:
    specs = [RuleSpec(code, reference.NAMES[code], TYPES[code], by_code[code]) for code in by_code]
    return {h.customer_id: h.reasons for h in engine.screen(as_of, specs, **kwargs)}


@pytest.mark.django_db
@PROPERTY
@given(
    data=st.lists(customer_st, min_size=1, max_size=6),
    p=params_st,
    as_of=st.dates(D(2024, 12, 1), D(2025, 3, 31)),
    exclude_dormant=st.booleans(),
)
def test_builtin_rules_equal_the_python_reference(branches, data, p, as_of, exclude_dormant):
    customers, rows_by, products_by = build(branches["a1"], data)
    by_code = rule_params(p)
    expected = reference.screen(customers, rows_by, products_by, as_of, by_code, exclude_dormant)
    assert engine_result(as_of, by_code, exclude_dormant=exclude_dormant) == expected


@pytest.mark.django_db
@PROPERTY
@given(
    data=st.lists(customer_st, min_size=1, max_size=6),
    p=params_st,
    as_of=st.dates(D(2024, 12, 1), D(2025, 3, 31)),
)
def test_aggregate_shortcut_equals_daily_rows(branches, data, p, as_of):
    build(branches["a1"], data)
    by_code = rule_params(p)
    specs = [RuleSpec(c, reference.NAMES[c], TYPES[c], by_code[c]) for c in by_code]
    fast = [
        (h.customer_id, h.reasons, h.evidence, h.year_volume, h.year_loss)
        for h in engine.screen(as_of, specs, use_aggregates=True)
    ]
    slow = [
        (h.customer_id, h.reasons, h.evidence, h.year_volume, h.year_loss)
        for h in engine.screen(as_of, specs, use_aggregates=False)
    ]
    assert fast == slow


@pytest.mark.django_db
@PROPERTY
@given(
    data=st.lists(customer_st, min_size=1, max_size=6),
    p=params_st,
    as_of=st.dates(D(2024, 12, 1), D(2025, 3, 31)),
)
def test_year_figures_shared_with_a_rule_equal_their_own_computation(branches, data, p, as_of):
    """A002 reading the year to D shares its figures with the year columns; computed
    separately (as for a screening without such a rule) they are the same."""
    build(branches["a1"], data)
    by_code = rule_params(p)
    by_code["A002"] = {**by_code["A002"], "period_start": None, "period_end": None}
    specs = [RuleSpec(c, reference.NAMES[c], TYPES[c], by_code[c]) for c in by_code]

    def screened():
        return [
            (h.customer_id, h.reasons, h.evidence, h.year_volume, h.year_loss)
            for h in engine.screen(as_of, specs)
        ]

    shared = screened()
    with mock.patch.object(type(ruletypes.get("large_loss")), "figures_period", lambda *a: None):
        separate = screened()
    assert shared == separate


@pytest.mark.django_db
@PROPERTY
@given(
    data=st.lists(customer_st, min_size=1, max_size=6),
    p=params_st,
    as_of=st.dates(D(2024, 12, 1), D(2025, 3, 31)),
)
def test_file_cells_from_the_statement_equal_those_of_the_merged_hits(branches, data, p, as_of):
    """``huifang screen --out`` writes its cells straight from the statement's rows
    (``evidence.table_rows``); they are the cells the merged hits give (``hit_cells`` and
    ``evidence_cells``, as a stored run's export writes them), value and type."""
    from huifang.org.models import Branch
    from huifang.rules import evidence

    build(branches["a1"], data)
    by_code = rule_params(p)
    specs = [RuleSpec(c, reference.NAMES[c], TYPES[c], by_code[c]) for c in by_code]
    rules = [(s.code, s.rule_type) for s in specs]
    names = dict(Branch.objects.values_list("id", "name"))
    expected = [
        evidence.hit_cells(
            as_of,
            names.get(h.branch_id, ""),
            h.customer,
            h.year_volume,
            h.year_loss,
            h.reasons,
            h.codes,
        )
        + evidence.evidence_cells(rules, h.evidence, as_of)
        for h in engine.screen(as_of, specs)
    ]
    header, rows = evidence.table_rows(as_of, engine.screen_table(as_of, specs))
    cells = list(rows)
    assert header == evidence.HIT_HEADER + evidence.evidence_header(rules)
    assert cells == expected
    assert [[type(v) for v in row] for row in cells] == [[type(v) for v in r] for r in expected]


@pytest.mark.django_db(transaction=True)
@PROPERTY
@given(
    data=st.lists(customer_st, min_size=1, max_size=6),
    p=params_st,
    as_of=st.dates(D(2024, 12, 1), D(2025, 3, 31)),
    use_aggregates=st.booleans(),
    codes=st.permutations(range(6)),
    part_size=st.integers(1, 3),
)
def test_a_screening_in_parts_gives_the_rows_of_one_statement(
    branches, monkeypatch, data, p, as_of, use_aggregates, codes, part_size
):
    """Outside a transaction ``screen_table`` cuts the customers into parts of consecutive
    investor codes, screened side by side on connections of their own: the rows, in their
    order, are those of one statement (investor codes in any order of the ids)."""
    customers, _rows, _products = build(branches["a1"], data)
    for c in customers:  # codes out of the ids' order
        Customer.objects.filter(pk=c.pk).update(investor_code=f"T{c.pk}")
    for c, n in zip(customers, codes, strict=False):
        Customer.objects.filter(pk=c.pk).update(investor_code=f"P{n:05d}")
    by_code = rule_params(p)
    specs = [RuleSpec(c, reference.NAMES[c], TYPES[c], by_code[c]) for c in by_code]

    def table():
        t = engine.screen_table(as_of, specs, use_aggregates=use_aggregates)
        return t.names, list(t)

    monkeypatch.setattr(engine, "PART_SIZE", 10**9)
    whole = table()
    monkeypatch.setattr(engine, "PART_SIZE", part_size)
    parts = engine._parts()
    assert (parts is not None) == (len(customers) > part_size)
    assert table() == whole
    names, rows = whole
    for i in (i for i, name in enumerate(names) if name.endswith("_products")):
        for listed in (row[i].split("、") for row in rows if row[i]):
            assert listed == sorted(listed, key=_product_order)  # highest risk first


def _product_order(item: str) -> tuple:
    """A006's listed product ``CODE NAME(Rk)`` as the documented order sorts it: risk
    descending, then code, then name."""
    head, _, risk = item.rpartition("(R")
    code, _, name = head.partition(" ")
    return -int(risk.rstrip(")")), code, name


@pytest.mark.django_db
def test_a_screening_in_a_transaction_is_one_statement(make, monkeypatch):
    """Inside a transaction the parts' own connections would not see its rows: one
    statement."""
    for _ in range(3):
        make()
    monkeypatch.setattr(engine, "PART_SIZE", 1)
    assert engine._parts() is None


year_days = st.dates(D(2024, 1, 1), D(2025, 12, 31))


@pytest.mark.django_db
@PROPERTY
@given(
    data=st.lists(
        st.lists(
            st.tuples(year_days, fen, fen, st.integers(0, 5)), max_size=8, unique_by=lambda t: t[0]
        ),
        min_size=1,
        max_size=4,
    ),
    as_of=st.one_of(
        st.sampled_from([D(2024, 12, 31), D(2025, 7, 31), D(2025, 9, 30), D(2025, 11, 30)]),
        st.dates(D(2024, 1, 1), D(2026, 1, 31)),
    ),
    start=st.none() | st.sampled_from([D(2024, 1, 1), D(2024, 1, 20), D(2024, 6, 1)]),
)
def test_figures_from_the_years_equal_those_of_the_daily_rows(branches, data, as_of, start):
    """Whole months from January read the yearly aggregates (less the year's later months
    when fewer): the figures — A002's evidence and the year columns — equal those of the
    daily rows for periods over one year or several, at any D."""
    build(
        branches["a1"],
        [
            {
                "customer_type": "natural",
                "open_date": D(2020, 1, 1),
                "closed": None,
                "status_closed": False,
                "dormant": False,
                "birth_date": None,
                "occupation": "",
                "income_source": "",
                "investor_class": "ordinary",
                "rows": [
                    (day, Decimal(100), a, b, Decimal(0), Decimal(0), v) for day, a, b, v in rows
                ],
                "products": [],
            }
            for rows in data
        ],
    )
    params = {**defaults("large_loss"), "min_loss_amount": "0.00", "min_loss_ratio": "0"}
    if start is not None and start <= as_of:
        params["period_start"] = start.isoformat()
    specs = [RuleSpec("A002", reference.NAMES["A002"], "large_loss", params)]

    def screened(use_aggregates):
        return [
            (h.customer_id, h.evidence, h.year_volume, h.year_loss)
            for h in engine.screen(as_of, specs, use_aggregates=use_aggregates)
        ]

    assert screened(True) == screened(False)
