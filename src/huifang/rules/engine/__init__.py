"""The screening engine: rules + reference date → one merged hit per customer.

Contract (used by pages, the CLI, services and the benchmark)::

    screen(as_of, rules=None, overrides=None, branches=None, customer_types=None,
           exclude_dormant=False, use_aggregates=True, details=True) -> Iterator[MergedHit]

* ``rules``: rule codes (``["A001", "B002"]``) or :class:`RuleSpec` objects; ``None`` = every
  enabled rule at its current version.
* ``overrides``: ``{"A002": {"min_loss_amount": "50000"}}`` one-off parameters, validated
  like a saved version (``ValidationError`` on bad input).
* ``branches``: branch codes (each with its subtree); ``customer_types``: type values
  (``natural``/``legal``/``special``); ``exclude_dormant`` drops 休眠 customers.
* ``use_aggregates=False`` reads every period figure from the daily rows (reference path);
  both paths give identical results.
* ``details=False`` skips the customer columns and the year figures (fastest: ids, codes,
  reasons and evidence only).

``screen_table(as_of, …same filters…) -> Table`` is the same screening (details=True) as
the statement's rows, not a :class:`MergedHit` each: for writers that turn every row
straight into cells (``huifang screen --out``, ``evidence.table_rows``).

``preview(as_of, rules, limit=N, customers=None, overrides=None) -> (count, first hits)``
answers how many customers the rules hit and the first ``N`` of them (investor-code order,
with details), in one statement: the custom rule page's 预览命中数 and its API.
``customers`` (a ``Customer`` queryset, e.g. a user's ``restrict``) limits the customers
screened.

Each rule type compiles to one SQL SELECT (its class in ``rules.ruletypes``); the engine unions them and merges
by customer in SQL (筛选理由 = the names of the rules hit, in rule-code order, joined by
``；``). Rows are yielded in investor-code order (customer id order when ``details=False``).
Nothing is written; :func:`huifang.rules.services.do_run_screening` stores a run.
"""

from __future__ import annotations

import datetime
import itertools
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection

from huifang.core.filtersets import within_dates
from huifang.rules import params as P
from huifang.rules import ruletypes
from huifang.rules.engine.figures import SHARED, figures_sql, part_ids
from huifang.rules.engine.rulesql import (
    COLUMN_NAMES,
    CUSTOMERS,
    Context,
    Part,
    RuleSpec,
    branch_ids_for,
    in_part,
    rule_sql,
)

__all__ = [
    "Context",
    "MergedHit",
    "RuleSpec",
    "Table",
    "make_context",
    "preview",
    "resolve_rules",
    "screen",
    "screen_table",
]

SEPARATOR = "；"
MONEY = {"loss", "base", "deposit", "withdrawal"}
SNAPSHOT = [
    "investor_code",
    "name",
    "full_name",
    "customer_type",
    "gender",
    "open_date",
    "birth_date",
    "status",
    "normalized",
    "dormant",
    "investor_class",
    "risk_level",
]


@dataclass
class MergedHit:
    """One customer hit by a screening: codes, 筛选理由 and per-rule evidence."""

    customer_id: int
    codes: list[str]
    reasons: str
    evidence: dict[str, dict] = field(default_factory=dict)
    branch_id: int | None = None
    year_volume: int | None = None
    year_loss: object = None  # Decimal yuan
    customer: dict = field(default_factory=dict)  # SNAPSHOT columns when details=True


def resolve_rules(rules=None, overrides: dict | None = None) -> list[RuleSpec]:
    """Rule codes / specs / None → specs with effective parameters, in code order."""
    from huifang.rules.models import Rule

    overrides = overrides or {}
    if rules is not None and all(isinstance(r, RuleSpec) for r in rules):
        specs = list(rules)
    else:
        queryset = Rule.objects.select_related("current_version")
        if rules is None:
            chosen = list(queryset.filter(enabled=True))
        else:
            codes = [str(r).strip().upper() for r in rules if str(r).strip()]
            chosen = list(queryset.filter(code__in=codes))
            missing = sorted(set(codes) - {r.code for r in chosen})
            if missing:
                raise ValidationError(f"未知规则：{'、'.join(missing)}")
            disabled = [r.code for r in chosen if not r.enabled]
            if disabled:
                raise ValidationError(f"规则已停用：{'、'.join(disabled)}")
        specs = [
            RuleSpec(r.code, r.name, r.rule_type, r.params, r.current_version_id) for r in chosen
        ]
    by_code = {s.code: s for s in specs}
    unknown = sorted(set(overrides) - set(by_code))
    if unknown:
        from huifang.rules.models import Rule

        known = set(Rule.objects.filter(code__in=unknown).values_list("code", flat=True))
        if missing := [code for code in unknown if code not in known]:
            raise ValidationError(f"未知规则：{'、'.join(missing)}")
        raise ValidationError(f"临时参数指向未选择的规则：{'、'.join(unknown)}")
    out = []
    for spec in specs:
        effective = spec.params
        if overrides.get(spec.code):
            try:
                effective = P.clean_params(spec.rule_type, overrides[spec.code], base=spec.params)
            except ValidationError as exc:
                messages = "；".join(m for ms in exc.message_dict.values() for m in ms)
                raise ValidationError(f"{spec.code}：{messages}") from exc
        out.append(RuleSpec(spec.code, spec.name, spec.rule_type, effective, spec.version_id))
    return sorted(out, key=lambda s: s.code)


def make_context(
    as_of: datetime.date,
    *,
    branches: Iterable[str] | None = None,
    customer_types: Iterable[str] | None = None,
    exclude_dormant: bool = False,
    use_aggregates: bool = True,
    customers=None,
) -> Context:
    """The screening's filters; ``customers`` (a ``Customer`` queryset) limits it to them.

    D must lie in the years every date input takes (1900–2100): an age's cutoff is up to
    150 years before D and the figures' months end after it."""
    within_dates(as_of)
    codes = list(branches or [])
    if codes:
        from huifang.org.models import Branch

        known = set(Branch.objects.filter(code__in=codes).values_list("code", flat=True))
        missing = sorted(set(codes) - known)
        if missing:
            raise ValidationError(f"未知部门代码：{'、'.join(missing)}")
    types = list(customer_types or ())
    if types:  # values or Chinese labels (自然人); an unknown one is refused, not ignored
        types = P.clean_value(P.COMMON_TYPES, types)
    return Context(
        as_of=as_of,
        customer_types=tuple(types),
        branch_ids=branch_ids_for(codes),
        exclude_dormant=exclude_dormant,
        use_aggregates=use_aggregates,
        customer_scope=_scope(customers),
    )


def _scope(customers) -> tuple[str, tuple] | None:
    """A ``Customer`` queryset as the SQL of its ids (None: every customer)."""
    if customers is None or not customers.query.where:
        return None
    try:
        sql, params = customers.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # ``none()``: no customer at all
        return f"SELECT id FROM {CUSTOMERS} WHERE 1 = 0", ()
    return sql, tuple(params)


def union_sql(ctx: Context, specs: list[RuleSpec]) -> tuple[str, list]:
    parts, params = [], []
    for spec in specs:
        sql, p = rule_sql(ctx, spec)
        parts.append(f"SELECT {', '.join(COLUMN_NAMES)} FROM ({sql}) r{len(parts)}")
        params += p
    return " UNION ALL ".join(parts), params


def merge_sql(
    ctx: Context, specs: list[RuleSpec], *, details: bool, evidence: bool
) -> tuple[str, list, str]:
    """``SELECT`` merging the rows of a CTE named ``src`` (the rule rows) by customer.

    Returns (sql, params, order-by expression). Columns: customer_id, rule_codes
    (``,A001,A003,``), reasons, then pivoted evidence ``e{i}_{col}`` when ``evidence``, then
    branch_id, the SNAPSHOT columns, year_volume, year_loss when ``details``.
    """
    flags, pivots, flag_params, pivot_params = [], [], [], []
    for i, spec in enumerate(specs):
        flags.append(f"MAX(CASE WHEN rule_code = %s THEN 1 ELSE 0 END) AS h{i}")
        flag_params.append(spec.code)
        if evidence:
            for col in ruletypes.get(spec.rule_type).stored_evidence:
                pivots.append(f"MAX(CASE WHEN rule_code = %s THEN {col} END) AS e{i}_{col}")
                pivot_params.append(spec.code)
    inner = f"SELECT customer_id, {', '.join(flags + pivots)} FROM src GROUP BY customer_id"
    inner_params = flag_params + pivot_params

    params: list = []
    codes = " || ".join(f"CASE WHEN r.h{i} = 1 THEN %s ELSE '' END" for i in range(len(specs)))
    params += [f"{s.code}," for s in specs]
    reasons = " || ".join(f"CASE WHEN r.h{i} = 1 THEN %s ELSE '' END" for i in range(len(specs)))
    params += [f"{SEPARATOR}{s.name}" for s in specs]
    select = ["r.customer_id", f"',' || {codes} AS rule_codes", f"SUBSTR({reasons}, 2) AS reasons"]
    if evidence:
        select += [
            f"r.e{i}_{col}"
            for i, spec in enumerate(specs)
            for col in ruletypes.get(spec.rule_type).stored_evidence
        ]
    tail, tail_params = "", []
    order = "r.customer_id"
    if details:
        select += ["c.branch_id"] + [f"c.{name}" for name in SNAPSHOT]
        select += ["COALESCE(y.volume, 0) AS year_volume", "(0 - COALESCE(y.pnl, 0)) AS year_loss"]
        year = year_period(ctx.as_of)
        if ctx.shared_figures == year:
            year_sql, year_params = f"SELECT * FROM {SHARED}", []
        else:
            year_sql, year_params = figures_sql(
                *year,
                use_aggregates=ctx.use_aggregates,
                only_customers=("SELECT customer_id FROM src", []),
            )
        tail = (
            f" JOIN {CUSTOMERS} c ON c.id = r.customer_id"
            f" LEFT JOIN ({year_sql}) y ON y.customer_id = r.customer_id"
        )
        tail_params = list(year_params)
        if ctx.part is not None:  # the part's customers only, whatever a rule's SQL reads
            tail += f" WHERE {in_part(ctx, 'c', tail_params)}"
        order = "c.investor_code"
    sql = f"SELECT {', '.join(select)} FROM ({inner}) r{tail}"
    return sql, params + inner_params + tail_params, order


def screen(
    as_of: datetime.date,
    rules=None,
    overrides: dict | None = None,
    branches: Iterable[str] | None = None,
    customer_types: Iterable[str] | None = None,
    exclude_dormant: bool = False,
    use_aggregates: bool = True,
    details: bool = True,
) -> Iterator[MergedHit]:
    """Screen without storing anything; see the module docstring for the contract."""
    specs, ctx = _specs_and_context(
        as_of,
        rules,
        overrides,
        branches=branches,
        customer_types=customer_types,
        exclude_dormant=exclude_dormant,
        use_aggregates=use_aggregates,
    )
    if not specs:
        return iter(())
    return _run(ctx, specs, details)


def _specs_and_context(as_of, rules, overrides, **filters) -> tuple[list[RuleSpec], Context]:
    """The rules' effective specs and the screening's filters (both validated)."""
    return resolve_rules(rules, overrides), make_context(as_of, **filters)


@dataclass
class Table:
    """A screening's merged rows (details=True) as the statement returns them: ``names``
    the columns, ``rows`` the tuples in investor-code order (iterating the table iterates
    them). :meth:`column` and :meth:`evidence_column` say how a row's values become
    those a :class:`MergedHit` holds, with the same converters."""

    specs: list[RuleSpec]
    names: list[str]
    rows: Iterator[tuple]

    def __iter__(self) -> Iterator[tuple]:
        return self.rows

    def index(self, name: str) -> int:
        return self.names.index(name)

    def column(self, name: str) -> tuple[int, object]:
        """(position, converter) of a customer column (SNAPSHOT, ``branch_id``,
        ``year_volume``, ``year_loss``, ``reasons``, ``rule_codes``): a row's value, when
        not None, is ``converter(row[position])`` as in :class:`MergedHit` (converter None:
        the value as it is)."""
        converters = {"year_volume": int, "year_loss": _fen, **_SNAPSHOT_CONVERTERS}
        return self.index(name), converters.get(name)

    def evidence_column(self, position: int, col: str) -> tuple[int, object]:
        """(position, converter) of stored evidence ``col`` of the ``position``-th rule, as
        :meth:`column` (as in ``MergedHit.evidence``; None when empty)."""
        return self.index(f"e{position}_{col}"), _CONVERTERS.get(col)


def screen_table(
    as_of: datetime.date, rules=None, overrides: dict | None = None, **filters
) -> Table:
    """:func:`screen` with details, as a :class:`Table` (``filters``: ``branches``,
    ``customer_types``, ``exclude_dormant``, ``use_aggregates`` as there); the statement
    runs now.

    Outside a transaction, a screening of more than :data:`PART_SIZE` customers runs in
    parts of consecutive investor codes, :data:`WORKERS` at a time, each on a connection of
    its own in a thread (the database works on a statement without holding Python's lock:
    both cores work, as DuckDB's do), and the table's rows are the parts' rows one part
    after the other — the same rows, in the same order, as one statement gives."""
    specs, ctx = _specs_and_context(as_of, rules, overrides, **filters)
    if not specs:
        return Table(specs, [], iter(()))
    parts = _parts()
    if parts is not None:
        return _parts_table(ctx, specs, parts)
    head, head_params, merged, merged_params, order = _statement(ctx, specs, True)
    cursor = connection.cursor()
    cursor.execute(f"{head} {merged} ORDER BY {order}", head_params + merged_params)

    def rows() -> Iterator[tuple]:
        with cursor:
            while chunk := cursor.fetchmany(2000):
                yield from chunk

    return Table(specs, [d[0] for d in cursor.description], rows())


PART_SIZE = 12_500
"""Customers (by id span) per part of :func:`screen_table`; fewer: one statement."""
WORKERS = 2
"""Parts screened at a time (threads, each with a database connection of its own)."""
AHEAD = 2 * WORKERS
"""Parts screened or screening ahead of the one being handed over: the threads go on while
the rows of the one before are written."""


def _parts() -> list[tuple[str | None, str | None]] | None:
    """The investor-code ranges ``[low, high)`` of :func:`screen_table`'s parts, or None:
    one statement (inside a transaction, whose rows other connections would not see; or
    too few customers). The cuts are the codes of the customers at even steps of the id
    span (exact whatever the codes; balanced when ids follow the codes, as imports give)."""
    if connection.in_atomic_block or WORKERS < 2:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {CUSTOMERS}")
        low, high = cursor.fetchone()
        if low is None or high - low + 1 <= PART_SIZE:
            return None
        count = -(-(high - low + 1) // PART_SIZE)
        cuts = set()
        for k in range(1, count):
            cursor.execute(
                f"SELECT investor_code FROM {CUSTOMERS} WHERE id >= %s ORDER BY id LIMIT 1",
                [low + k * (high - low + 1) // count],
            )
            cuts.add(cursor.fetchone()[0])
    bounds = [None, *sorted(cuts), None]
    return list(itertools.pairwise(bounds))


def _parts_table(ctx: Context, specs: list[RuleSpec], parts) -> Table:
    """The :class:`Table` of a screening in ``parts`` (see :func:`screen_table`):
    :data:`WORKERS` threads take the parts in order, each on one connection of its own for
    all its parts (a new connection reads the schema and maps the file afresh); a thread
    starts a part only while fewer than ``AHEAD`` parts' rows wait to be handed over, so
    memory holds a few parts, not the screening."""
    done = [Future() for _ in parts]
    order = iter(range(len(parts)))
    lock, room, stop = threading.Lock(), threading.Semaphore(AHEAD), threading.Event()

    def work():
        try:
            while True:
                room.acquire()
                with lock:
                    k = next(order, None)
                if k is None or stop.is_set():
                    return
                try:
                    done[k].set_result(_part_rows(ctx, specs, *parts[k]))
                except BaseException as exc:  # handed to the reader, which raises it
                    done[k].set_exception(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, name=f"screen-{n}", daemon=True) for n in range(WORKERS)
    ]
    for thread in threads:
        thread.start()

    def finish():
        stop.set()
        for _ in range(AHEAD):
            room.release()
        for thread in threads:
            thread.join()

    try:
        names = done[0].result()[0]
    except BaseException:
        finish()
        raise

    def rows() -> Iterator[tuple]:
        try:
            for future in done:
                part_rows = future.result()[1]
                room.release()
                yield from part_rows
                del part_rows
        finally:
            finish()

    return Table(specs, names, rows())


def _part_rows(ctx: Context, specs: list[RuleSpec], low: str | None, high: str | None):
    """(column names, rows) of the customers with investor codes in ``[low, high)``, on this
    thread's connection."""
    cut, params = [], []
    if low is not None:
        cut.append("investor_code >= %s")
        params.append(low)
    if high is not None:
        cut.append("investor_code < %s")
        params.append(high)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(id), MAX(id) FROM {CUSTOMERS} WHERE {' AND '.join(cut)}", params
        )
        ids = cursor.fetchone()
        part = Part(low, high, ids if ids[0] is not None else (1, 0))
        head, head_params, merged, merged_params, order = _statement(
            replace(ctx, part=part), specs, True
        )
        cursor.execute(f"{head} {merged} ORDER BY {order}", head_params + merged_params)
        return [d[0] for d in cursor.description], cursor.fetchall()


def year_period(as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of a screening's year columns (本年度成交手数, 亏损金额)."""
    return as_of.replace(month=1, day=1), as_of


def preview(
    as_of: datetime.date,
    rules,
    *,
    limit: int,
    customers=None,
    overrides: dict | None = None,
) -> tuple[int, list[MergedHit]]:
    """How many customers ``rules`` hit on ``as_of`` (among ``customers`` when given) and
    the first ``limit`` of them in investor-code order, with details; one statement, the
    count beside each row (``COUNT(*) OVER ()``), nothing stored."""
    specs = resolve_rules(rules, overrides)
    if not specs:
        return 0, []
    ctx = make_context(as_of, customers=customers)
    head, head_params, merged, merged_params, order = _statement(ctx, specs, details=True)
    column = order.rsplit(".", 1)[-1]
    sql = (
        f"{head} SELECT m.*, COUNT(*) OVER () AS hit_total FROM ({merged}) m"
        f" ORDER BY m.{column} LIMIT %s"
    )
    with connection.cursor() as cursor:
        # One row at least, or there would be no row to carry the count.
        cursor.execute(sql, head_params + merged_params + [max(limit, 1)])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    if not rows:
        return 0, []
    decode = _decoder(names, specs, details=True)
    return int(rows[0][-1]), [decode(row) for row in rows[:limit]]


def _statement(ctx: Context, specs: list[RuleSpec], details: bool):
    """The screening as ``WITH …`` (the rule rows, and the year's figures when shared) and
    the ``SELECT`` merging them by customer: (with, its params, select, its params, the
    order-by expression)."""
    shared, shared_params = "", []
    year = year_period(ctx.as_of)
    if details and any(ruletypes.get(s.rule_type).figures_period(ctx, s) == year for s in specs):
        # A rule reads the year's figures (A002 by default) and the year columns need them
        # too: computed once, for every customer, instead of twice.
        ctx = replace(ctx, shared_figures=year)
        year_sql, shared_params = figures_sql(
            *year, use_aggregates=ctx.use_aggregates, ids=part_ids(ctx)
        )
        shared = f"{SHARED} AS MATERIALIZED ({year_sql}), "
    src, src_params = union_sql(ctx, specs)
    merged, merged_params, order = merge_sql(ctx, specs, details=details, evidence=True)
    head = f"WITH {shared}src AS MATERIALIZED ({src})"
    return head, shared_params + src_params, merged, merged_params, order


def _run(ctx: Context, specs: list[RuleSpec], details: bool) -> Iterator[MergedHit]:
    head, head_params, merged, merged_params, order = _statement(ctx, specs, details)
    with connection.cursor() as cursor:
        cursor.execute(f"{head} {merged} ORDER BY {order}", head_params + merged_params)
        decode = _decoder([d[0] for d in cursor.description], specs, details)
        while rows := cursor.fetchmany(2000):
            yield from map(decode, rows)


def _decoder(names: list[str], specs: list[RuleSpec], details: bool):
    """A function turning one row of :func:`merge_sql` into a :class:`MergedHit`; where each
    value sits and how it is converted is worked out once per screening, not per row."""
    at = {name: i for i, name in enumerate(names)}
    rules = [
        (
            f",{spec.code},",
            spec.code,
            [
                (col, at[f"e{i}_{col}"], _converter(col))
                for col in ruletypes.get(spec.rule_type).stored_evidence
            ],
        )
        for i, spec in enumerate(specs)
    ]
    snapshot = [(name, at[name], _SNAPSHOT_CONVERTERS.get(name)) for name in SNAPSHOT if details]
    id_at, codes_at, reasons_at = at["customer_id"], at["rule_codes"], at["reasons"]

    def decode(row) -> MergedHit:
        rule_codes = row[codes_at]
        evidence = {}
        for marker, code, columns in rules:
            if marker in rule_codes:
                evidence[code] = {
                    col: None if row[i] is None else convert(row[i]) for col, i, convert in columns
                }
        hit = MergedHit(
            customer_id=int(row[id_at]),
            codes=[c for c in rule_codes.split(",") if c],
            reasons=row[reasons_at],
            evidence=evidence,
        )
        if details:
            hit.branch_id = row[at["branch_id"]]
            hit.year_volume = int(row[at["year_volume"]])
            hit.year_loss = _fen(row[at["year_loss"]])
            hit.customer = {
                name: row[i] if convert is None or row[i] is None else convert(row[i])
                for name, i, convert in snapshot
            }
        return hit

    return decode


def _fen(value) -> Decimal:
    """Integer fen → Decimal yuan with two places (``from_cents``, without its division)."""
    return Decimal(int(value)).scaleb(-2)


def _date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _same(value):
    return value


_CONVERTERS = {
    **dict.fromkeys(MONEY, _fen),
    **dict.fromkeys(("volume", "days", "max_risk"), int),
    "ev_date": _date,
}


def _converter(col: str):
    return _CONVERTERS.get(col, _same)


_SNAPSHOT_CONVERTERS = {
    "open_date": _date,
    "birth_date": _date,
    "normalized": bool,
    "dormant": bool,
}
