"""Many new rows of one model written with one prepared INSERT run for every row
(``executemany``): Django's ``bulk_create`` compiles each row's values field by field
(about two thirds of a 100,000-message SMS send went there).

The caller gives the columns that vary by row, the values all rows share, and rows as
plain tuples; fields given neither take their model default, as ``bulk_create`` would.
No ``save()``, no signals, no primary keys returned — for set-based writers whose rows
need nothing more (the SMS queue)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model

# Values the database driver takes as they are: no per-row preparation needed.
_AS_IS = {
    "CharField",
    "TextField",
    "IntegerField",
    "SmallIntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "BooleanField",
    "AutoField",
    "BigAutoField",
}


def insert_rows(
    model: type[Model],
    varying: Sequence[str],
    rows: Iterable[Sequence[Any]],
    constants: dict[str, Any] | None = None,
) -> int:
    """INSERT ``rows`` (tuples in the order of ``varying``) into ``model``'s table, with
    ``constants`` (field name → value) in every row; returns how many rows."""
    rows = list(rows)
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    constants = dict(constants or {})
    named = {*varying, *constants}
    for field in meta.concrete_fields:
        if field.primary_key or field.name in named or field.attname in named:
            continue
        constants[field.name] = field.get_default()
    fixed = [meta.get_field(name) for name in constants]
    fixed_values = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fixed, constants.values(), strict=True)
    ]
    fields = [meta.get_field(name) for name in varying]
    prepare = [None if _as_is(field) else field for field in fields]
    ops = connection.ops
    columns = ", ".join(ops.quote_name(f.column) for f in [*fields, *fixed])
    marks = ", ".join(["%s"] * (len(fields) + len(fixed)))
    sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"
    params = [
        [
            value if field is None else field.get_db_prep_save(value, connection)
            for field, value in zip(prepare, row, strict=True)
        ]
        + fixed_values
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(rows)


def _as_is(field) -> bool:
    """Whether the driver takes the field's values unprepared: a plain type, and not a
    field that changes values on their way in (an encrypted one)."""
    stored = field.target_field if field.is_relation else field
    plain = type(stored).get_db_prep_save is Field.get_db_prep_save
    return plain and stored.get_internal_type() in _AS_IS
