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
