"""Evidence (依据) and the hit columns as users read them: on the pages, in xlsx/csv
exports of a run and in ``huifang screen --out``. One place, so all three agree."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from decimal import Decimal

from huifang.core.export import Percent
from huifang.customers import choices
from huifang.customers.models import age_on, product_risk_label
from huifang.rules import ruletypes
from huifang.rules.params import format_money

STORED = [
    "ev_date",
    "loss",
    "base",
    "volume",
    "days",
    "deposit",
    "withdrawal",
    "text_value",
    "max_risk",
    "products",
]

HIT_HEADER = [
    "日期",
    "部门",
    "投资者代码",
    "投资者名称",
    "投资者全称",
    "客户类型",
    "性别",
    "开户日期",
    "生日",
    "客户状态",
    "规范化状态",
    "本年度成交手数",
    "亏损金额",
    "筛选理由",
    "命中规则",
]


def columns(rule_type: str) -> tuple[tuple[str, str], ...]:
    """(key, Chinese label) of the evidence a rule type keeps (declared by its class)."""
    return ruletypes.get(rule_type).evidence


def ratio(loss, base) -> Decimal | None:
    """loss / base, exact; None when base is missing or ≤ 0."""
    if loss is None or base is None or base <= 0:
        return None
    return Decimal(loss) / Decimal(base)


def values(rule_type: str, ev: dict, as_of: datetime.date) -> dict:
    """Display values (typed where Excel should see numbers) of one rule's evidence."""
    return {key: make(ev, as_of) for key, make in _ev_makers(rule_type)}


# The evidence values made from several stored ones, or shown otherwise than stored; every
# other key is a stored column shown as it is.
COMPUTED = frozenset({"ratio", "age", "max_risk"})


def makers(rule_type: str, stored) -> list[tuple[str, object]]:
    """(key, ``make(source, as_of)``) per evidence column of ``rule_type``: how each shown
    value is made from the stored ones, read from ``source`` by ``stored(col)`` (a
    ``source → value`` getter). The one definition of the shown values, whether the source
    is an evidence dict (:func:`values`) or a statement's row (:func:`table_rows`)."""
    out = []
    for key, _label in columns(rule_type):
        if key == "ratio":
            loss, base = stored("loss"), stored("base")

            def make(source, as_of, loss=loss, base=base):
                value = ratio(loss(source), base(source))
                return None if value is None else Percent(value)

        elif key == "age":
            born = stored("ev_date")

            def make(source, as_of, born=born):
                return age_on(born(source), as_of)

        elif key == "max_risk":
            risk = stored("max_risk")

            def make(source, as_of, risk=risk):
                return product_risk_label(risk(source)) or None

        else:
            get = stored(key)

            def make(source, as_of, get=get):
                return get(source)

        out.append((key, make))
    return out


@functools.cache
def _ev_makers(rule_type: str) -> list[tuple[str, object]]:
    return makers(rule_type, lambda col: lambda ev: ev.get(col))


def display(rule_type: str, ev: dict, as_of: datetime.date) -> list[tuple[str, str]]:
    """One rule's evidence as people read it, (label, text) per kept value: amounts with
    thousands separators and 元, ages in 周岁; empty values left out."""
    rows = []
    shown = values(rule_type, ev, as_of)
    for key, label in columns(rule_type):
        value = shown.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, Percent):
            value = str(value)
        elif isinstance(value, Decimal):
            value = format_money(value) + " 元"
        elif key == "age":
            value = f"{value} 周岁"
        rows.append((label, str(value)))
    return rows


def summary(rule_type: str, ev: dict, as_of: datetime.date) -> str:
    """One rule's evidence as a short sentence: ``亏损金额 1,234.00 元，基数 …``."""
    return "，".join(f"{label} {text}" for label, text in display(rule_type, ev, as_of))


def as_text(rule_type: str, ev: dict, as_of: datetime.date) -> dict:
    """One rule's evidence as the API gives it: ``summary`` (the sentence) and ``values``
    (key, label and the value as text, None when empty)."""
    shown = values(rule_type, ev, as_of)
    return {
        "summary": summary(rule_type, ev, as_of),
        "values": [
            {"key": key, "label": label, "value": _plain(shown.get(key))}
            for key, label in columns(rule_type)
        ],
    }


def _plain(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def reason_dict(reason) -> dict:
    return {name: getattr(reason, name) for name in STORED}


@functools.cache
def _label(enum, value) -> str:
    # Cached: a few values per enum, each once per export row otherwise (building the
    # choices and translating the label took a third of ``huifang screen --out``). The
    # interface has one language (zh-hans), so the translated label never changes.
    return str(dict(enum.choices).get(value, value or ""))


def _normalized(value) -> str:
    return "" if value is None else ("已规范" if value else "未规范")


def hit_cells(as_of, branch_name: str, customer: dict, year_volume, year_loss, reasons, codes):
    return row_cells(
        as_of,
        branch_name,
        *(customer[name] for name in CUSTOMER_CELLS),
        year_volume,
        year_loss,
        reasons,
        codes,
    )


# The customer columns of HIT_HEADER (投资者代码 … 规范化状态), in its order.
CUSTOMER_CELLS = (
    "investor_code",
    "name",
    "full_name",
    "customer_type",
    "gender",
    "open_date",
    "birth_date",
    "status",
    "normalized",
)


def row_cells(
    as_of,
    branch_name,
    investor_code,
    name,
    full_name,
    customer_type,
    gender,
    open_date,
    birth_date,
    status,
    normalized,
    year_volume,
    year_loss,
    reasons,
    codes,
) -> list:
    """The cells of :data:`HIT_HEADER` (``codes`` the rule codes hit, in code order)."""
    return [
        as_of,
        branch_name,
        investor_code,
        name,
        full_name,
        _label(choices.CustomerType, customer_type),
        _label(choices.Gender, gender),
        open_date,
        birth_date,
        _label(choices.Status, status),
        _normalized(normalized),
        year_volume,
        year_loss,
        reasons,
        "、".join(codes),
    ]


def evidence_header(rules: list[tuple[str, str]]) -> list[str]:
    """``rules`` = [(code, rule_type)] → ``A002 亏损金额`` … columns."""
    return [f"{code} {label}" for code, rtype in rules for _key, label in columns(rtype)]


def evidence_cells(rules: list[tuple[str, str]], evidence: dict[str, dict], as_of) -> list:
    cells = []
    for code, rtype, blank in _cell_plan(tuple(rules)):
        ev = evidence.get(code)
        cells += values(rtype, ev, as_of).values() if ev else blank
    return cells


@functools.cache
def _cell_plan(rules: tuple[tuple[str, str], ...]) -> list[tuple[str, str, list]]:
    """(code, rule type, the row's blank cells when the rule did not hit) per rule, worked
    out once per rule set rather than once per exported row."""
    return [(code, rtype, [None] * len(columns(rtype))) for code, rtype in rules]


def run_rows(run, hits) -> tuple[list[str], Iterator[list]]:
    """Header and rows of a stored run's hits (``hits``: a scoped Hit queryset)."""
    from huifang.rules.models import HitReason

    rules = list(run.run_rules.order_by("code").values_list("code", "rule_type"))
    header = HIT_HEADER + evidence_header(rules)
    fields = CUSTOMER_CELLS

    def rows():
        chunk: list = []
        for hit in hits.select_related("branch").order_by("investor_code").iterator(2000):
            chunk.append(hit)
            if len(chunk) >= 2000:
                yield from _chunk_rows(chunk)
                chunk = []
        if chunk:
            yield from _chunk_rows(chunk)

    def _chunk_rows(chunk):
        by_customer: dict[int, dict] = {}
        for reason in HitReason.objects.filter(
            run_id=run.pk, customer_id__in=[h.customer_id for h in chunk]
        ):
            by_customer.setdefault(reason.customer_id, {})[reason.rule_code] = reason_dict(reason)
        for hit in chunk:
            customer = {f: getattr(hit, f) for f in fields}
            yield hit_cells(
                run.as_of,
                hit.branch.name,
                customer,
                hit.year_volume,
                hit.year_loss,
                hit.reasons,
                hit.codes,
            ) + evidence_cells(rules, by_customer.get(hit.customer_id, {}), run.as_of)

    return header, rows()


def table_rows(as_of, table) -> tuple[list[str], Iterator[list]]:
    """Header and rows of a screening's :class:`~huifang.rules.engine.Table`: the cells of
    :func:`hit_cells` and :func:`evidence_cells`, made straight from each row of the
    statement (``huifang screen --out``; no hit object, no evidence dict per customer)."""
    from huifang.org.models import Branch

    rules = [(s.code, s.rule_type) for s in table.specs]
    header = HIT_HEADER + evidence_header(rules)
    if not table.names:  # no rule: nothing was screened
        return header, iter(())
    names = dict(Branch.objects.values_list("id", "name"))
    return header, map(_row_function(as_of, table, names), table)


def _row_function(as_of, table, branch_names: dict):
    """``row → cells`` of :func:`table_rows` for this table's columns and rules, as one
    expression compiled once per screening (a screening's rows are many, its columns and
    rules few): each value read from its position and converted as the table says
    (``Table.column``), passed to :func:`row_cells`, then each rule's evidence cells when
    the row's rule codes hold the rule (:func:`makers`), else blanks. Only positions go
    into the expression's text; every value and function is a name bound in ``env``."""
    env: dict = {"row_cells": row_cells, "as_of": as_of, "branch": branch_names.get}

    def value(position: int, convert) -> str:
        if convert is None:
            return f"row[{position}]"
        env[f"f{position}"] = convert
        return f"(None if row[{position}] is None else f{position}(row[{position}]))"

    codes = f"row[{table.index('rule_codes')}]"
    customer = [
        value(*table.column(name))
        for name in (*CUSTOMER_CELLS, "year_volume", "year_loss", "reasons")
    ]
    branch = f"branch(row[{table.index('branch_id')}], '')"
    cells = [f"*row_cells(as_of, {branch}, {', '.join(customer)}, {codes}[1:-1].split(','))"]
    for i, spec in enumerate(table.specs):
        made = []
        for key, make in makers(spec.rule_type, lambda col, i=i: _stored(table, i, col)):
            if key in COMPUTED:
                env[f"m{i}_{key}"] = make
                made.append(f"m{i}_{key}(row, as_of)")
            else:
                made.append(value(*table.evidence_column(i, key)))
        env[f"code{i}"] = f",{spec.code},"
        env[f"blank{i}"] = [None] * len(made)
        cells.append(f"*([{', '.join(made)}] if code{i} in {codes} else blank{i})")
    return eval(f"lambda row: [{', '.join(cells)}]", env)  # only positions in the text


def _stored(table, position: int, col: str):
    """``row → value`` of stored evidence ``col`` of the ``position``-th rule of ``table``
    (converted; None when empty), for the makers of computed cells."""
    i, convert = table.evidence_column(position, col)
    if convert is None:
        return lambda row: row[i]
    return lambda row: None if row[i] is None else convert(row[i])
