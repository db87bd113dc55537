"""Which table each staged dataset goes into, derived from its column spec (``specs.py``).

A target's columns are the spec's stored columns in the spec's order (the order of the
tuples the validators stage, after ``rowno``), each with the SQL type of its model field;
its dates, money columns and personal-data columns come from the same declarations and
fields. Only what concerns the table as a whole is set here: the natural key, the insert
order, how a record is named in the audit log, and so on (``staging.Target``).
"""

from __future__ import annotations

from django.db import models

from huifang.core.fieldcrypt import EncryptedTextField
from huifang.core.fields import MoneyField
from huifang.customers.importers import specs
from huifang.customers.importers.staging import Target
from huifang.customers.models import Customer, DailyBalance, ProductHolding

# A model field's internal type → the staging table's SQL type (SQLite and PostgreSQL).
SQL_TYPES = {
    "CharField": "TEXT",
    "TextField": "TEXT",
    "EmailField": "TEXT",
    "DateField": "DATE",
    "BooleanField": "BOOLEAN",
    "BigIntegerField": "BIGINT",
    "BigAutoField": "BIGINT",
    "IntegerField": "INTEGER",
    "SmallIntegerField": "INTEGER",
    "PositiveIntegerField": "INTEGER",
    "PositiveSmallIntegerField": "INTEGER",
}


def sql_type(field: models.Field) -> str:
    """The staging column type of a model field (a foreign key: its target's id)."""
    if field.is_relation:
        field = field.target_field
    try:
        return SQL_TYPES[field.get_internal_type()]
    except KeyError:
        raise TypeError(
            f"{field.model.__name__}.{field.name}: no staging type for "
            f"{field.get_internal_type()} (add it to targets.SQL_TYPES)"
        ) from None


def target(dataset: specs.Dataset, model: type[models.Model], **table) -> Target:
    """The staging target of ``dataset`` in ``model``'s table; ``table``: the settings of
    the table as a whole (``staging.Target``)."""
    fields = {c.stored_as: (c, model._meta.get_field(c.stored_as)) for c in dataset.declared}
    if len(fields) != len(dataset.declared):
        raise TypeError(f"{dataset.name}: two columns are stored in the same field")
    for column, field in fields.values():
        if column.sensitive != isinstance(field, EncryptedTextField):
            # Staged values are encrypted by the spec's flag, read back by the field's type.
            raise TypeError(
                f"{model.__name__}.{field.name}: the spec's `sensitive` (a column with a mask) "
                "must match the field (EncryptedTextField)"
            )
    return Target(
        name=dataset.name,
        table=model._meta.db_table,
        object_type=model._meta.label_lower,
        columns=tuple((name, sql_type(field)) for name, (_, field) in fields.items()),
        dates=frozenset(
            name for name, (_, field) in fields.items() if field.get_internal_type() == "DateField"
        ),
        money=frozenset(
            name for name, (_, field) in fields.items() if isinstance(field, MoneyField)
        ),
        sensitive=dataset.sensitive,
        keeps_absent=dataset.keeps_absent,
        **table,
    )


CUSTOMERS = target(
    specs.CUSTOMERS,
    Customer,
    key=("investor_code",),
    timestamps=True,
    repr_sql="s.investor_code || ' ' || s.name",
    defer_indexes=True,
    derived=frozenset({"birth_date"}),
    defaults=(("full_name", "name"),),
)

DAILY = target(
    specs.DAILY,
    DailyBalance,
    key=("trade_date", "customer_id"),
    # A small file (a night's rows) stages the investor codes and resolves them in SQL
    # instead of loading every customer's code (daily.resolve_in_sql).
    extra=(("investor_code", "TEXT"),),
    partition="trade_date",
    # Key order: a new trading day's rows append to the (trade_date, customer) key and to
    # the table, in sequence, however many rows the table already holds.
    insert_order="s.trade_date, s.customer_id",
    # 78M rows a year: creations are recorded by the import's own audit row and record;
    # corrections (updates) get one audit row each with before/after.
    audit_creates=False,
    repr_sql="CAST(s.customer_id AS TEXT) || ' ' || CAST(s.trade_date AS TEXT)",
)

PRODUCTS = target(
    specs.PRODUCTS,
    ProductHolding,
    key=("customer_id", "product_code", "business_date"),
    repr_sql="s.product_code || ' ' || s.product_name",
)

TARGETS = {t.name: t for t in (CUSTOMERS, DAILY, PRODUCTS)}
