"""The pieces every rule type's SQL is built from (``rules.ruletypes``): eligible customers,
the run's and the rule's filters, and the shared column layout :data:`COLUMNS` each rule's
SELECT returns (one row per customer hit, with the rule's evidence).

Only standard SQL is used, except the two spots marked *vendor* (trimming a character set
and aggregating product names), so SQLite and PostgreSQL give the same answers. Every
value reaches the database as a parameter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection

from huifang.customers.models import TRIM_CHARS, Customer, ProductHolding, trimmed_sql

CUSTOMERS = Customer._meta.db_table
PRODUCTS = ProductHolding._meta.db_table

# (column, SQL type of its NULL) — the layout every rule's SELECT returns, in this order.
COLUMNS: list[tuple[str, str]] = [
    ("customer_id", "BIGINT"),
    ("branch_id", "BIGINT"),
    ("rule_code", "TEXT"),
    ("ev_date", "DATE"),
    ("loss", "BIGINT"),
    ("base", "BIGINT"),
    ("volume", "BIGINT"),
    ("days", "INTEGER"),
    ("deposit", "BIGINT"),
    ("withdrawal", "BIGINT"),
    ("text_value", "TEXT"),
    ("max_risk", "INTEGER"),
    ("products", "TEXT"),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the engine needs it: code, name, type and effective parameters."""

    code: str
    name: str
    rule_type: str
    params: dict = field(default_factory=dict)
    version_id: int | None = None


@dataclass(frozen=True)
class Part:
    """One part of the customers, for a screening cut in parts that run side by side
    (``engine.screen_table``): investor codes in ``[low, high)`` (None: that end open) —
    the exact cut, in the order the output is sorted by — and ``ids``, the lowest and
    highest customer id inside it: a bound for reads by customer id (the period figures,
    the products), exact because every such read is joined to the part's customers."""

    low: str | None
    high: str | None
    ids: tuple[int, int]


@dataclass(frozen=True)
class Context:
    as_of: datetime.date
    customer_types: tuple[str, ...] = ()
    branch_ids: tuple[int, ...] | None = None  # None = all branches
    exclude_dormant: bool = False
    use_aggregates: bool = True
    # A period whose figures the statement already holds in the CTE ``figures.SHARED``
    # (the year to D, when the details need them and a rule reads the same period).
    shared_figures: tuple[datetime.date, datetime.date] | None = None
    # (SQL, params) of the ids of the only customers screened (a user's scope), or None.
    customer_scope: tuple[str, tuple] | None = None
    # The part of the customers this statement screens (None: all of them).
    part: Part | None = None


def trim(expr: str) -> str:
    """*vendor*: strip the white-space characters of :data:`TRIM_CHARS` from both ends (the
    expression of the customers' ``Trimmed`` indexes, which a rule's condition takes)."""
    return trimmed_sql(expr, connection.vendor)


def unindexed(expr: str) -> str:
    """*vendor*: ``expr`` without letting SQLite choose an index on it. Without statistics
    (before the first import's ANALYZE, ``core.dbstats``; or sampled ones) SQLite takes any
    index on an equality, even one that matches
    nine customers in ten (``customer_type = 'natural'``) and then visits the table row by
    row; a unary ``+`` leaves it the better index or a plain scan. PostgreSQL plans with
    statistics and takes the expression as it is."""
    return f"+{expr}" if connection.vendor == "sqlite" else expr


def trim_text(value: str) -> str:
    return value.strip(TRIM_CHARS)


def agg_products(expr: str, order: str) -> str:
    """*vendor*: concatenate the matching products, highest risk first — over rows of
    :func:`ordered_products` (``p``): PostgreSQL orders inside the aggregate; SQLite (before
    3.44 it has no ORDER BY there, and GROUP_CONCAT takes the rows in whatever order the
    join hands them over, which changed with the screening's parts) concatenated them in
    ``order`` with a window over the customer's rows, so the group takes that text."""
    if connection.vendor == "postgresql":
        return f"STRING_AGG({expr}, '、' ORDER BY {order})"
    return "MAX(p.products)"


def ordered_products(matching: str, expr: str, order: str) -> str:
    """*vendor*: the rows of ``matching`` (a SELECT with ``customer_id``); on SQLite each
    with ``products``, its customer's ``expr`` concatenated in ``order`` (a window: the
    order is the window's, not the join's), for :func:`agg_products`."""
    if connection.vendor == "postgresql":
        return matching
    return (
        f"SELECT m.*, GROUP_CONCAT({expr}, '、') OVER (PARTITION BY m.customer_id "
        f"ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) "
        f"AS products FROM ({matching}) m"
    )


def branch_ids_for(codes) -> tuple[int, ...] | None:
    """Branch codes → ids of those branches and all their descendants (None = all)."""
    if not codes:
        return None
    from huifang.org.models import Branch

    ids: set[int] = set()
    for root in Branch.objects.filter(code__in=list(codes)):
        ids.update(Branch.objects.filter(path__startswith=root.path).values_list("id", flat=True))
    return tuple(sorted(ids))


def in_list(column: str, values, params: list) -> str:
    if not values:
        return "1 = 0"
    params.extend(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def eligible(ctx: Context, spec: RuleSpec, params: list) -> str:
    """WHERE fragment over ``c``: eligible on D, the run's filters and the rule's own."""
    parts = ["c.open_date <= %s", "(c.status <> %s OR c.close_date > %s)"]
    params += [ctx.as_of, "closed", ctx.as_of]
    if ctx.customer_types:
        parts.append(in_list("c.customer_type", list(ctx.customer_types), params))
    if ctx.branch_ids is not None:
        parts.append(in_list("c.branch_id", list(ctx.branch_ids), params))
    if ctx.exclude_dormant:
        parts.append("c.dormant = %s")
        params.append(False)
    if ctx.customer_scope is not None:
        scope_sql, scope_params = ctx.customer_scope
        parts.append(f"c.id IN ({scope_sql})")
        params.extend(scope_params)
    if ctx.part is not None:
        parts.append(in_part(ctx, "c", params))
    if spec.params.get("customer_types"):
        parts.append(in_list("c.customer_type", list(spec.params["customer_types"]), params))
    rule_branches = branch_ids_for(spec.params.get("branches"))
    if rule_branches is not None:
        parts.append(in_list("c.branch_id", list(rule_branches), params))
    return " AND ".join(parts)


def in_part(ctx: Context, alias: str, params: list) -> str:
    """WHERE fragment over customer alias ``alias``: the customers of ``ctx.part`` (their
    investor codes, exactly; their id range too, which lets SQLite read the part's rows by
    id); ``1 = 1`` without a part."""
    part = ctx.part
    if part is None:
        return "1 = 1"
    out = [f"{alias}.id >= %s", f"{alias}.id <= %s"]
    params += list(part.ids)
    if part.low is not None:
        out.append(f"{alias}.investor_code >= %s")
        params.append(part.low)
    if part.high is not None:
        out.append(f"{alias}.investor_code < %s")
        params.append(part.high)
    return " AND ".join(out)


def ids_in_part(ctx: Context, column: str, params: list) -> str:
    """`` AND`` fragment bounding a customer id ``column`` to ``ctx.part``'s id range ('' without
    a part): for reads joined to the part's customers afterwards."""
    if ctx.part is None:
        return ""
    params += list(ctx.part.ids)
    return f" AND {column} >= %s AND {column} <= %s"


def select_list(values: dict[str, str], params: list, code: str) -> str:
    """The shared column layout, NULL (typed) where the rule has no such evidence."""
    out = []
    for name, sql_type in COLUMNS:
        if name == "rule_code":
            params.append(code)
            out.append("%s AS rule_code")
        elif name in values:
            out.append(f"{values[name]} AS {name}")
        else:
            out.append(f"CAST(NULL AS {sql_type}) AS {name}")
    return ", ".join(out)


def rule_sql(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
    """The SELECT of ``spec``'s rule type (``rules.ruletypes``)."""
    from huifang.rules import ruletypes  # the types build on this module's pieces

    return ruletypes.get(spec.rule_type).sql(ctx, spec)
