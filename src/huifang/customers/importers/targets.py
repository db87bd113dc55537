"""Which staging columns map onto which table, per staged dataset.

The column order here is the order of the tuples the validators return (after ``rowno``).
"""

from __future__ import annotations

from huifang.customers.importers import specs
from huifang.customers.importers.staging import Target
from huifang.customers.models import Customer, DailyBalance, ProductHolding

CUSTOMERS = Target(
    name="customers",
    table=Customer._meta.db_table,
    object_type=Customer._meta.label_lower,
    columns=(
        ("investor_code", "TEXT"),
        ("name", "TEXT"),
        ("full_name", "TEXT"),
        ("customer_type", "TEXT"),
        ("gender", "TEXT"),
        ("id_type", "TEXT"),
        ("id_number", "TEXT"),
        ("birth_date", "DATE"),
        ("open_date", "DATE"),
        ("close_date", "DATE"),
        ("status", "TEXT"),
        ("dormant", "BOOLEAN"),
        ("normalized", "BOOLEAN"),
        ("branch_id", "BIGINT"),
        ("investor_class", "TEXT"),
        ("risk_level", "INTEGER"),
        ("risk_lowest", "BOOLEAN"),
        ("occupation", "TEXT"),
        ("income_source", "TEXT"),
        ("mobile", "TEXT"),
        ("phone", "TEXT"),
        ("address", "TEXT"),
        ("email", "TEXT"),
        ("broker_codes", "TEXT"),
        ("broker_names", "TEXT"),
    ),
    key=("investor_code",),
    dates=frozenset({"birth_date", "open_date", "close_date"}),
    timestamps=True,
    repr_sql="s.investor_code || ' ' || s.name",
    defer_indexes=True,
    sensitive=specs.CUSTOMERS.sensitive,
)

DAILY = Target(
    name="daily",
    table=DailyBalance._meta.db_table,
    object_type=DailyBalance._meta.label_lower,
    columns=(
        ("customer_id", "BIGINT"),
        ("trade_date", "DATE"),
        ("prev_equity", "BIGINT"),
        ("deposit", "BIGINT"),
        ("withdrawal", "BIGINT"),
        ("close_pnl", "BIGINT"),
        ("position_pnl", "BIGINT"),
        ("fee", "BIGINT"),
        ("equity", "BIGINT"),
        ("volume", "BIGINT"),
    ),
    key=("trade_date", "customer_id"),
    # A small file (a night's rows) stages the investor codes and resolves them in SQL
    # instead of loading every customer's code (daily.resolve_in_sql).
    extra=(("investor_code", "TEXT"),),
    partition="trade_date",
    # Key order: a new trading day's rows append to the (trade_date, customer) key and to
    # the table, in sequence, however many rows the table already holds.
    insert_order="s.trade_date, s.customer_id",
    money=frozenset(
        {"prev_equity", "deposit", "withdrawal", "close_pnl", "position_pnl", "fee", "equity"}
    ),
    dates=frozenset({"trade_date"}),
    # 78M rows a year: creations are recorded by the import's own audit row and record;
    # corrections (updates) get one audit row each with before/after.
    audit_creates=False,
    repr_sql="CAST(s.customer_id AS TEXT) || ' ' || CAST(s.trade_date AS TEXT)",
)

PRODUCTS = Target(
    name="products",
    table=ProductHolding._meta.db_table,
    object_type=ProductHolding._meta.label_lower,
    columns=(
        ("customer_id", "BIGINT"),
        ("product_code", "TEXT"),
        ("business_date", "DATE"),
        ("product_name", "TEXT"),
        ("category", "TEXT"),
        ("product_risk", "INTEGER"),
    ),
    key=("customer_id", "product_code", "business_date"),
    dates=frozenset({"business_date"}),
    repr_sql="s.product_code || ' ' || s.product_name",
)

TARGETS = {t.name: t for t in (CUSTOMERS, DAILY, PRODUCTS)}
