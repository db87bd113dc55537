"""Each rule type's SQL: eligible customers + the rule's condition → one row per customer
hit with the rule's evidence in the shared column layout :data:`COLUMNS`.

Only standard SQL is used, except the two spots marked *vendor* (trimming a character set
and aggregating product names), so SQLite and PostgreSQL give the same answers. Every
value reaches the database as a parameter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from huifang.core.fields import to_cents
from huifang.customers.models import Customer, ProductHolding
from huifang.rules import conditions
from huifang.rules import params as P
from huifang.rules.engine.figures import base_expr, figures_sql

CUSTOMERS = Customer._meta.db_table
PRODUCTS = ProductHolding._meta.db_table
TRIM_CHARS = " \t\n\r\x0b\x0c\u3000\xa0"

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

# Which evidence columns each rule type fills (for display, export and the pivot).
EVIDENCE: dict[str, list[str]] = {
    "new_account": ["ev_date"],
    "large_loss": ["loss", "base", "volume"],
    "elderly": ["ev_date", "volume"],
    "income_source": ["text_value"],
    "occupation": ["text_value"],
    "high_risk_product": ["max_risk", "products"],
    "custom": ["loss", "base", "volume", "days", "deposit", "withdrawal", "max_risk"],
}


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the engine needs it: code, name, type and effective parameters."""

    code: str
    name: str
    rule_type: str
    params: dict = field(default_factory=dict)
    version_id: int | None = None


@dataclass(frozen=True)
class Context:
    as_of: datetime.date
    customer_types: tuple[str, ...] = ()
    branch_ids: tuple[int, ...] | None = None  # None = all branches
    exclude_dormant: bool = False
    use_aggregates: bool = True


def trim(expr: str) -> str:
    """*vendor*: strip the white-space characters of :data:`TRIM_CHARS` from both ends."""
    func = "BTRIM" if connection.vendor == "postgresql" else "TRIM"
    return f"{func}({expr}, '{TRIM_CHARS}')"


def trim_text(value: str) -> str:
    return value.strip(TRIM_CHARS)


def _agg_products(expr: str, order: str) -> str:
    """*vendor*: concatenate the matching products, highest risk first."""
    if connection.vendor == "postgresql":
        return f"STRING_AGG({expr}, '、' ORDER BY {order})"
    return f"GROUP_CONCAT({expr}, '、')"


def branch_ids_for(codes) -> tuple[int, ...] | None:
    """Branch codes → ids of those branches and all their descendants (None = all)."""
    if not codes:
        return None
    from huifang.org.models import Branch

    ids: set[int] = set()
    for root in Branch.objects.filter(code__in=list(codes)):
        ids.update(Branch.objects.filter(path__startswith=root.path).values_list("id", flat=True))
    return tuple(sorted(ids))


def _in(column: str, values, params: list) -> str:
    if not values:
        return "1 = 0"
    params.extend(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def eligible(ctx: Context, spec: RuleSpec, params: list) -> str:
    """WHERE fragment over ``c``: eligible on D, the run's filters and the rule's own."""
    parts = ["c.open_date <= %s", "(c.status <> %s OR c.close_date > %s)"]
    params += [ctx.as_of, "closed", ctx.as_of]
    if ctx.customer_types:
        parts.append(_in("c.customer_type", list(ctx.customer_types), params))
    if ctx.branch_ids is not None:
        parts.append(_in("c.branch_id", list(ctx.branch_ids), params))
    if ctx.exclude_dormant:
        parts.append("c.dormant = %s")
        params.append(False)
    if spec.params.get("customer_types"):
        parts.append(_in("c.customer_type", list(spec.params["customer_types"]), params))
    rule_branches = branch_ids_for(spec.params.get("branches"))
    if rule_branches is not None:
        parts.append(_in("c.branch_id", list(rule_branches), params))
    return " AND ".join(parts)


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


# --- the rule types ---------------------------------------------------------------------


def new_account(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
    start, end = P.resolve_period(spec.params, ctx.as_of)
    params: list = []
    cols = select_list(
        {"customer_id": "c.id", "branch_id": "c.branch_id", "ev_date": "c.open_date"},
        params,
        spec.code,
    )
    where = eligible(ctx, spec, params)
    params += [start, end]
    return (
        f"SELECT {cols} FROM {CUSTOMERS} c WHERE {where} AND c.open_date >= %s AND c.open_date <= %s",
        params,
    )


def large_loss(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
    start, end = P.resolve_period(spec.params, ctx.as_of)
    min_loss = to_cents(Decimal(spec.params.get("min_loss_amount", "0")))
    num, den = Decimal(spec.params.get("min_loss_ratio", "0")).as_integer_ratio()
    fig_sql, fig_params = figures_sql(start, end, use_aggregates=ctx.use_aggregates)
    params: list = []
    cols = select_list(
        {
            "customer_id": "c.id",
            "branch_id": "c.branch_id",
            "loss": "(0 - f.pnl)",
            "base": base_expr("f"),
            "volume": "f.volume",
        },
        params,
        spec.code,
    )
    params += fig_params
    where = eligible(ctx, spec, params)
    params += [0, min_loss]
    inner = (
        f"SELECT {cols} FROM ({fig_sql}) f JOIN {CUSTOMERS} c ON c.id = f.customer_id "
        f"WHERE {where} AND (0 - f.pnl) > %s AND (0 - f.pnl) >= %s"
    )
    if num == 0:
        return inner, params
    names = ", ".join(COLUMN_NAMES)
    params += [0, den, num]
    return (
        f"SELECT {names} FROM ({inner}) x WHERE x.base > %s AND x.loss * %s >= %s * x.base",
        params,
    )


def elderly(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
    cutoff = conditions.age_cutoff(ctx.as_of, int(spec.params.get("min_age", 70)))
    params: list = []
    values = {"customer_id": "c.id", "branch_id": "c.branch_id", "ev_date": "c.birth_date"}
    join = ""
    if spec.params.get("require_trade_in_period"):
        start, end = P.resolve_period(spec.params, ctx.as_of)
        fig_sql, fig_params = figures_sql(start, end, use_aggregates=ctx.use_aggregates)
        values["volume"] = "f.volume"
        cols = select_list(values, params, spec.code)
        params += fig_params
        params.append(0)
        join = f" JOIN ({fig_sql}) f ON f.customer_id = c.id AND f.volume > %s"
    else:
        cols = select_list(values, params, spec.code)
    where = eligible(ctx, spec, params)
    params += ["natural", cutoff]
    return (
        f"SELECT {cols} FROM {CUSTOMERS} c{join} WHERE {where} AND c.customer_type = %s "
        "AND c.birth_date IS NOT NULL AND c.birth_date <= %s",
        params,
    )


def _text_rule(column: str):
    def build(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        values = [trim_text(v) for v in spec.params.get("values") or []]
        params: list = []
        expr = trim(f"c.{column}")
        cols = select_list(
            {"customer_id": "c.id", "branch_id": "c.branch_id", "text_value": expr},
            params,
            spec.code,
        )
        where = eligible(ctx, spec, params)
        params.append("natural")
        cond = _in(expr, values, params)
        return (
            f"SELECT {cols} FROM {CUSTOMERS} c WHERE {where} AND c.customer_type = %s AND {cond}",
            params,
        )

    return build


def high_risk_product(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
    start, end = P.resolve_period(spec.params, ctx.as_of)
    min_risk = int(spec.params.get("min_product_risk", 4))
    params: list = []
    label = "p.product_code || ' ' || p.product_name || '(R' || CAST(p.product_risk AS TEXT) || ')'"
    cols = select_list(
        {
            "customer_id": "c.id",
            "branch_id": "c.branch_id",
            "max_risk": "MAX(p.product_risk)",
            "products": _agg_products(label, "p.product_risk DESC, p.product_code"),
        },
        params,
        spec.code,
    )
    params += [start, end, min_risk]
    matching = (
        "SELECT DISTINCT customer_id, product_code, product_name, product_risk "
        f"FROM {PRODUCTS} WHERE business_date >= %s AND business_date <= %s "
        "AND product_risk >= %s ORDER BY customer_id, product_risk DESC, product_code"
    )
    where = eligible(ctx, spec, params)
    if spec.params.get("ordinary_only", True):
        where += " AND c.investor_class = %s"
        params.append("ordinary")
    return (
        f"SELECT {cols} FROM ({matching}) p JOIN {CUSTOMERS} c ON c.id = p.customer_id "
        f"WHERE {where} GROUP BY c.id, c.branch_id",
        params,
    )


def custom(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
    tree = spec.params.get("conditions")
    if not tree:
        return f"SELECT {', '.join(f'CAST(NULL AS {t})' for _, t in COLUMNS)} WHERE 1 = 0", []
    needs = conditions.uses_figures(tree)
    start, end = P.resolve_period(spec.params, ctx.as_of)
    params: list = []
    values = {"customer_id": "c.id", "branch_id": "c.branch_id"}
    joins, join_params = "", []
    if needs - {"max_product_risk"}:
        fig_sql, fig_params = figures_sql(start, end, use_aggregates=ctx.use_aggregates)
        base = base_expr("g") if "loss_ratio" in needs else "CAST(NULL AS BIGINT)"
        joins += (
            f" LEFT JOIN (SELECT g.*, {base} AS base FROM ({fig_sql}) g) f ON f.customer_id = c.id"
        )
        join_params += fig_params
        values.update(
            loss="(0 - f.pnl)",
            volume="f.volume",
            days="f.days",
            deposit="f.deposit",
            withdrawal="f.withdrawal",
        )
        if "loss_ratio" in needs:
            values["base"] = "f.base"
    if "max_product_risk" in needs:
        joins += (
            f" LEFT JOIN (SELECT customer_id, MAX(product_risk) AS max_risk FROM {PRODUCTS} "
            "WHERE business_date >= %s AND business_date <= %s GROUP BY customer_id) pr "
            "ON pr.customer_id = c.id"
        )
        join_params += [start, end]
        values["max_risk"] = "pr.max_risk"
    cols = select_list(values, params, spec.code)
    params += join_params
    where = eligible(ctx, spec, params)
    compiler = conditions.Compiler(ctx.as_of, trim)
    cond = compiler.compile(tree)
    params += compiler.params
    return f"SELECT {cols} FROM {CUSTOMERS} c{joins} WHERE {where} AND {cond}", params


BUILDERS = {
    "new_account": new_account,
    "large_loss": large_loss,
    "elderly": elderly,
    "income_source": _text_rule("income_source"),
    "occupation": _text_rule("occupation"),
    "high_risk_product": high_risk_product,
    "custom": custom,
}


def rule_sql(ctx: Context, spec: RuleSpec) -> tuple[str, list]:
    return BUILDERS[spec.rule_type](ctx, spec)
