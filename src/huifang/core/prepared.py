"""Hot queries compiled once per process: the ORM writes the SQL, later calls only run it.

Building a queryset's SQL costs far more than running it for a one-row lookup: on the
2-core benchmark machine a ``Partner.objects.filter(key=…).first()`` takes ~0.23 ms of
CPU, of which the SQLite query is ~0.01 ms; the rest is the compiler. The partner API
(app-hall answers, call results) makes several such lookups per request, thousands of
times a second, so these few are :class:`Prepared`::

    PARTNER = Prepared(lambda key: Partner.objects.filter(key=key)[:1], str)
    partner = PARTNER.first(key)        # a Partner, or None

The queryset is built once per database with stand-in values for the parameters and
compiled by Django; the stand-ins' places among the SQL parameters are remembered (each
must occur exactly once, so only plain lookups such as ``=`` and ``IN`` of a single value
qualify), and each call runs that SQL with the real values and turns the rows into what
the queryset gives — model instances (no ``select_related``), or ``values_list`` tuples —
with Django's own converters. ``tests/core/test_prepared.py`` checks each prepared query
of the code base against its queryset, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable
from django.db.transaction import TransactionManagementError

# Stand-ins no real parameter takes: a text with control characters, a negative number.
_TEXT = "\x1fprepared-{}\x1f"
_NUMBER = -7_340_000_000_000


def _stand_in(kind: type, n: int):
    if kind is str:
        return _TEXT.format(n)
    if kind is int:
        return _NUMBER - n
    raise TypeError(f"Prepared parameters are str or int, not {kind.__name__}")


@dataclass
class _Compiled:
    sql: str
    params: list
    places: list[int]
    compiler: Any
    converters: dict
    model: Any  # the model of the instances, or None for values_list rows
    attnames: list[str]
    locks: bool
    flat: bool


class Prepared:
    """``build(*values)`` → the queryset; ``kinds``: each parameter's type (str or int)."""

    registry: list[Prepared] = []  # every prepared query, for the contract test

    def __init__(self, build: Callable[..., QuerySet], *kinds: type):
        self.build = build
        self.kinds = kinds
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        Prepared.registry.append(self)

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        key = (alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        stand_ins = [_stand_in(kind, n) for n, kind in enumerate(self.kinds)]
        queryset = self.build(*stand_ins).using(alias)
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        places = []
        for value in stand_ins:
            found = [n for n, p in enumerate(params) if type(p) is type(value) and p == value]
            if len(found) != 1:
                raise ValueError(f"参数在 SQL 中出现 {len(found)} 次，不能预编译：{sql}")
            places.append(found[0])
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        model, attnames = None, []
        if not query.values_select and not compiler.annotation_col_map:
            if compiler.klass_info.get("related_klass_infos"):
                raise ValueError("预编译的查询不能带 select_related")
            model = compiler.klass_info["model"]
            attnames = [column.target.attname for column in columns]
        compiled = _Compiled(
            sql=sql,
            params=params,
            places=places,
            compiler=compiler,
            converters=compiler.get_converters(columns),
            model=model,
            attnames=attnames,
            locks=bool(query.select_for_update and connection.features.has_select_for_update),
            flat=queryset._iterable_class is FlatValuesListIterable,
        )
        self._compiled[key] = compiled
        return compiled

    def rows(self, *values, using: str = "default") -> list:
        """The rows, converted as the queryset's (``values_list``) would be: tuples, or
        single values for ``values_list(…, flat=True)``."""
        compiled = self._compile(using)
        connection = connections[using]
        if compiled.locks and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for place, value in zip(compiled.places, values, strict=True):
            params[place] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        if compiled.flat:
            return [row[0] for row in rows]
        return [tuple(row) for row in rows]

    def all(self, *values, using: str = "default") -> list:
        """The model instances, as iterating the queryset gives them."""
        compiled = self._compile(using)
        if compiled.model is None:
            raise TypeError("all() is for querysets of model instances; use rows()")
        return [
            compiled.model.from_db(using, compiled.attnames, row)
            for row in self.rows(*values, using=using)
        ]

    def first(self, *values, using: str = "default"):
        """The first instance (or row, for ``values_list``), or None."""
        compiled = self._compile(using)
        found = (
            self.all(*values, using=using) if compiled.model else self.rows(*values, using=using)
        )
        return found[0] if found else None


@dataclass
class _InsertPlan:
    sql: str
    returning_params: Any
    returning_fields: list
    compiler: Any
    converters: dict


class Insert:
    """``obj.save(force_insert=True)`` (``Model.objects.create(**values)``) of a new row with
    its INSERT compiled once per process: the ORM's insert compiler costs ~0.3 ms of CPU per
    row, the statement itself a tenth of it. The values are computed as the ORM computes
    them (each field's ``pre_save(obj, add=True)`` then ``get_db_prep_save``), the returned
    columns (the id) set on the object, and the object marked saved, as ``save()`` does.

    Only for models whose ``save()`` adds nothing for a new row (``AuditEvent``'s refuses
    updates only) and without parents; whenever a row is not plain — a primary key already
    set, a value that is an expression (``DatabaseDefault``, ``F()``), a field with its own
    placeholder, a ``pre_save``/``post_save`` receiver for the model — it is the ORM's own
    ``save(force_insert=True)``. ``tests/core/test_prepared.py`` compares both, column by
    column, for each registered model on SQLite and PostgreSQL::

        AUDIT_INSERT = Insert(AuditEvent)
        event = AUDIT_INSERT.create(action=…, …)
    """

    registry: list[Insert] = []

    def __init__(self, model):
        if model._meta.parents or model._meta.proxy:
            raise TypeError(f"{model.__name__}: Insert is for models without parents")
        self.model = model
        meta = model._meta
        self.fields = [
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        ]
        self._plans: dict[tuple, _InsertPlan | None] = {}
        Insert.registry.append(self)

    def create(self, *, using: str = "default", **values):
        obj = self.model(**values)
        self.save(obj, using=using)
        return obj

    def _plain(self, obj) -> bool:
        from django.db.models.signals import post_save, pre_save

        return (
            type(obj) is self.model
            and obj.pk is None
            and not pre_save.has_listeners(self.model)
            and not post_save.has_listeners(self.model)
        )

    def save(self, obj, *, using: str = "default") -> None:
        connection = connections[using]
        key = (using, connection.vendor)
        plan = self._plans.get(key)
        if (key in self._plans and plan is None) or not self._plain(obj):
            obj.save(force_insert=True, using=using)
            return
        obj._prepare_related_fields_for_save(operation_name="save")
        if plan is None:
            plan, params = self._compile(obj, using)
            if plan is None:  # not plain (the ORM's own insert); maybe the next row is
                obj.save(force_insert=True, using=using)
                return
        else:
            values = [field.pre_save(obj, True) for field in self.fields]
            if any(hasattr(value, "resolve_expression") for value in values):
                obj.save(force_insert=True, using=using)
                return
            params = [
                field.get_db_prep_save(value, connection=connection)
                for field, value in zip(self.fields, values, strict=True)
            ]
        self._execute(obj, plan, params, connection, using)

    def create_many(self, objs: list, *, using: str = "default") -> list:
        """``Model.objects.bulk_create(objs)`` of a few new rows (an answer's options, one
        registration's audit rows): one INSERT of ``len(objs)`` rows, compiled once per
        row count; the returned ids set on the objects. Rows that are not plain (a primary
        key set, an expression) and more than ``MANY_AT_MOST`` rows go to ``bulk_create``."""
        objs = list(objs)
        if not objs:
            return objs
        connection = connections[using]
        if (
            len(objs) > self.MANY_AT_MOST
            or not connection.features.can_return_rows_from_bulk_insert
            or any(type(obj) is not self.model or obj.pk is not None for obj in objs)
        ):
            return self.model._default_manager.using(using).bulk_create(objs)
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        key = (using, connection.vendor, len(objs))
        plan = self._plans.get(key)
        if plan is None:
            if key in self._plans:
                return self.model._default_manager.using(using).bulk_create(objs)
            plan, params = self._compile_many(objs, using)
            if plan is None:
                return self.model._default_manager.using(using).bulk_create(objs)
        else:
            params = []
            for obj in objs:
                values = [field.pre_save(obj, True) for field in self.fields]
                if any(hasattr(value, "resolve_expression") for value in values):
                    return self.model._default_manager.using(using).bulk_create(objs)
                params.extend(
                    field.get_db_prep_save(value, connection=connection)
                    for field, value in zip(self.fields, values, strict=True)
                )
        from django.db import transaction

        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = (
                connection.ops.fetch_returned_insert_rows(cursor) if plan.returning_fields else []
            )
        if rows and plan.converters:
            rows = list(plan.compiler.apply_converters(rows, plan.converters))
        for obj, row in zip(objs, rows, strict=False):
            for value, field in zip(row, plan.returning_fields, strict=False):
                setattr(obj, field.attname, value)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using
        return objs

    MANY_AT_MOST = 20

    def _compile_many(self, objs: list, using: str):
        from django.db.models.sql import InsertQuery

        connection = connections[using]
        key = (using, connection.vendor, len(objs))
        if any(hasattr(field, "get_placeholder") for field in self.fields):
            self._plans[key] = None
            return None, None
        if any(
            hasattr(getattr(obj, f.attname), "resolve_expression")
            for obj in objs
            for f in self.fields
        ):
            return None, None
        query = InsertQuery(self.model)
        query.insert_values(self.fields, objs, raw=False)
        compiler = query.get_compiler(using=using)
        returning_fields = self.model._meta.db_returning_fields
        compiler.returning_fields = returning_fields
        statements = compiler.as_sql()
        # One statement with one parameter per row and field: PostgreSQL's bulk INSERT
        # takes one array per column instead (``UNNEST``), left to ``bulk_create``.
        if len(statements) != 1 or len(statements[0][1]) != len(objs) * len(self.fields):
            self._plans[key] = None
            return None, None
        [(sql, params)] = statements
        table = self.model._meta.db_table
        plan = _InsertPlan(
            sql=sql,
            returning_params=(),
            returning_fields=returning_fields,
            compiler=compiler,
            converters=compiler.get_converters([f.get_col(table) for f in returning_fields]),
        )
        self._plans[key] = plan
        return plan, list(params)

    def _compile(self, obj, using: str):
        from django.db.models.sql import InsertQuery

        connection = connections[using]
        if any(hasattr(field, "get_placeholder") for field in self.fields):
            self._plans[(using, connection.vendor)] = None  # never plain
            return None, None
        if any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in self.fields):
            return None, None
        query = InsertQuery(self.model)
        query.insert_values(self.fields, [obj], raw=False)
        compiler = query.get_compiler(using=using)
        returning_fields = self.model._meta.db_returning_fields
        compiler.returning_fields = returning_fields
        [(sql, params)] = compiler.as_sql()
        table = self.model._meta.db_table
        converters = compiler.get_converters([f.get_col(table) for f in returning_fields])
        plan = _InsertPlan(
            sql=sql,
            returning_params=getattr(compiler, "returning_params", ()),
            returning_fields=returning_fields,
            compiler=compiler,
            converters=converters,
        )
        self._plans[(using, connection.vendor)] = plan
        return plan, list(params)

    def _execute(self, obj, plan: _InsertPlan, params, connection, using: str) -> None:
        from django.db import transaction

        meta = self.model._meta
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = None
            if not plan.returning_fields:
                pass
            elif connection.features.can_return_columns_from_insert:
                row = connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params)
            else:
                row = (connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column),)
        if row is not None:
            if plan.converters:
                row = next(iter(plan.compiler.apply_converters([row], plan.converters)))
            for value, field in zip(row, plan.returning_fields, strict=False):
                setattr(obj, field.attname, value)
        obj._state.db = using
        obj._state.adding = False
