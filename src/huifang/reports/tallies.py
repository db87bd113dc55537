"""The counters behind 汇总统计, kept exact by the database itself.

``reports_tasktally`` counts tasks per key (部门, 回访业务类型, 处理状态, 截止日期, the Beijing
day of 创建时间, whether the task has a record / a 成功 record), five times over (``kind``):
the tasks themselves (0), their batch links (1: a task counts once for each batch that
touched it, as the task list's 批次号 filter finds it), their rules (2: once per 命中规则),
their batch links × rules (3: a batch's tasks per 命中规则) and the batch links of the closed
tasks per Beijing day of 关闭时间 (4, ``closed_day``: a batch's burndown).
``reports_recordtally`` counts callback records per key (营业部, 回访业务类型, 回访人, 回访形式,
回访状态, 失败原因, the Beijing day of 回访时间), once among all records (``batch_id`` 0) and
once for each batch linked to the record's task (a batch's records, as the record list's
批次号 filter finds them).

Triggers on the task, link, rule and record tables move a row's contribution from its old
key to its new one in the same transaction as the change, whatever wrote it: the ORM,
``bulk_create``, ``QuerySet.update``, set-based SQL (batch creation, the benchmark's seeds),
deletes. Rows whose count has fallen to 0 stay (the readers skip them). PostgreSQL's TRUNCATE fires no row triggers: a TRUNCATE of a base table
rebuilds its tallies from the tables instead (a test database's flush truncates them all).

SQLite: row triggers, each a list of ``INSERT … ON CONFLICT … DO UPDATE`` statements
(SQLite ≥ 3.24) on the row as NEW / OLD; a SQLite row trigger runs as each row is written,
so a record's trigger sees the statement's earlier rows of the same task. PostgreSQL:
statement triggers over the statement's transition tables, one grouped upsert per statement
(see ``statement_triggers``: row triggers there would rewrite the same counter row once per
row, and run only at the statement's end).

``install`` (the migration, and after every ``migrate``: SQLite drops a table's triggers
when a migration rebuilds the table) creates what is missing; ``rebuild`` recomputes both
tallies from the base tables; ``differences`` compares them (the tests, the benchmark).
"""

from __future__ import annotations

from django.db.models import DateField, Func

TASKS = "callbacks_callbacktask"
LINKS = "callbacks_taskbatch"
RULES = "callbacks_taskrule"
RECORDS = "records_callbackrecord"
TASK_TALLY = "reports_tasktally"
RECORD_TALLY = "reports_recordtally"

NO_DEADLINE = "9999-12-31"
SUCCESS = "success"

TASK, BATCH, RULE, BATCH_RULE, CLOSED = 0, 1, 2, 3, 4
# kind → (one row per batch link of the task, one row per rule of the task)
KINDS = {
    TASK: (False, False),
    BATCH: (True, False),
    RULE: (False, True),
    BATCH_RULE: (True, True),
    CLOSED: (True, False),
}
FLAGGED = (TASK, BATCH, RULE, BATCH_RULE)  # the kinds whose rows carry the record flags

TASK_KEY = (
    "kind",
    "batch_id",
    "rule",
    "branch_id",
    "business_type_id",
    "status",
    "deadline",
    "created_day",
    "attempted",
    "succeeded",
    "closed_day",
)
RECORD_KEY = (
    "batch_id",
    "branch_id",
    "business_type_id",
    "agent_id",
    "method",
    "status",
    "failure_reason_id",
    "called_day",
)


def beijing_day(vendor: str, column: str) -> str:
    """The Beijing calendar day of a stored timestamp (UTC in SQLite's text)."""
    if vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'Asia/Shanghai') AS date)"
    return f"date({column}, '+8 hours')"


def no_day(vendor: str) -> str:
    """The counters' "no date" (no 截止日期, not closed), typed as a date on PostgreSQL."""
    return f"DATE '{NO_DEADLINE}'" if vendor == "postgresql" else f"'{NO_DEADLINE}'"


class BeijingDay(Func):
    """:func:`beijing_day` as an ORM expression: ``TruncDate(…, tzinfo=Asia/Shanghai)``
    without SQLite's per-row Python function (China keeps no daylight saving time)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return beijing_day(connection.vendor, sql), params


def _flag(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _has_record(task: str, *, success: bool = False, other_than: str = "") -> str:
    """1 when the task has a record (a 成功 one), leaving out record ``other_than``."""
    where = [f"r.task_id = {task}"]
    if success:
        # ``|| ''``: SQLite would otherwise read every 成功 record through the (status,
        # called_at) index instead of the task's few through (task, called_at).
        where.append(f"r.status || '' = '{SUCCESS}'")
    if other_than:
        where.append(f"r.id <> {other_than}")
    return _flag(f"EXISTS (SELECT 1 FROM {RECORDS} r WHERE {' AND '.join(where)})")


def _upsert(table: str, key: tuple[str, ...], select: str) -> str:
    columns = ", ".join(key)
    return (
        f"INSERT INTO {table} ({columns}, n) {select} "
        f"ON CONFLICT ({columns}) DO UPDATE SET n = {table}.n + excluded.n"
    )


def _from(source: str, joins: list[tuple[str, str]], conditions: list[str]) -> str:
    """`` FROM … WHERE …``: ``source`` (may be "": a trigger row needs no table) joined to
    ``joins`` ((table, condition) each); always a WHERE (SQLite's upsert needs one after a
    join)."""
    items = [source] if source else []
    conditions = [c for c in conditions if c]
    for table, on in joins:
        if items:
            items.append(f"JOIN {table} ON {on}")
        else:
            items.append(table)
            conditions.insert(0, on)
    sql = f" FROM {' '.join(items)}" if items else ""
    return f"{sql} WHERE {' AND '.join(conditions) or '1 = 1'}"


def _task_values(vendor: str, t: str, attempted: str, succeeded: str) -> str:
    return (
        f"{t}.branch_id AS branch_id, {t}.business_type_id AS business_type_id, "
        f"{t}.status AS status, COALESCE({t}.deadline, {no_day(vendor)}) AS deadline, "
        f"{beijing_day(vendor, f'{t}.created_at')} AS created_day, "
        f"{attempted} AS attempted, {succeeded} AS succeeded"
    )


def task_select(
    vendor: str,
    kind: int,
    sign: str,
    t: str,
    source: str,
    where: str = "",
    attempted: str = "",
    succeeded: str = "",
    *,
    link: str = "",
    rule: str = "",
) -> str:
    """The SELECT of the counter rows of ``kind`` of the task(s) ``t``, each counting
    ``sign``: ``source`` the FROM item naming ``t`` ("" when ``t`` is a trigger row),
    ``where`` a condition; ``link`` / ``rule``: the batch link / rule row the caller already
    has (a trigger row, a transition table's alias), else joined from the tables. The flags
    from the task's records now unless given; kind CLOSED: the closed tasks' 关闭日期."""
    uses_link, uses_rule = KINDS[kind]
    joins = []
    if uses_link and not link:
        joins.append((f"{LINKS} l", f"l.task_id = {t}.id"))
        link = "l"
    if uses_rule and not rule:
        joins.append((f"{RULES} x", f"x.task_id = {t}.id"))
        rule = "x"
    batch = f"{link}.batch_id" if uses_link else "0"
    code = f"{rule}.code" if uses_rule else "''"
    conditions = [where]
    if kind == CLOSED:  # per batch, 部门, 业务类型 and 创建日期: what the burndown filters
        conditions.append(f"{t}.closed_at IS NOT NULL")
        values = (
            f"{t}.branch_id AS branch_id, {t}.business_type_id AS business_type_id, "
            f"'' AS status, {no_day(vendor)} AS deadline, "
            f"{beijing_day(vendor, f'{t}.created_at')} AS created_day, "
            f"0 AS attempted, 0 AS succeeded, "
            f"{beijing_day(vendor, f'{t}.closed_at')} AS closed_day"
        )
    else:
        attempted = attempted or _has_record(f"{t}.id")
        succeeded = succeeded or _has_record(f"{t}.id", success=True)
        values = f"{_task_values(vendor, t, attempted, succeeded)}, {no_day(vendor)} AS closed_day"
    return (
        f"SELECT {kind} AS kind, {batch} AS batch_id, {code} AS rule, {values}, {sign} AS n"
        + _from(source, joins, conditions)
    )


def record_select(
    vendor: str, sign: str, r: str, source: str, where: str = "", *, per_link: bool, link: str = ""
) -> str:
    """The SELECT of the record counter rows of the record(s) ``r``: batch 0 (every record),
    or ``per_link`` one row per batch link of the record's task (``link``: the link the
    caller already has, else joined)."""
    joins = []
    if per_link and not link:
        joins.append((f"{LINKS} l", f"l.task_id = {r}.task_id"))
        link = "l"
    batch = f"{link}.batch_id" if per_link else "0"
    values = (
        f"{batch} AS batch_id, {r}.branch_id AS branch_id, "
        f"{r}.business_type_id AS business_type_id, COALESCE({r}.agent_id, 0) AS agent_id, "
        f"{r}.method AS method, {r}.status AS status, "
        f"COALESCE({r}.failure_reason_id, 0) AS failure_reason_id, "
        f"{beijing_day(vendor, f'{r}.called_at')} AS called_day, {sign} AS n"
    )
    return f"SELECT {values}" + _from(source, joins, [where])


def task_moves(
    vendor: str, task_where: str, sign: int, attempted: str, succeeded: str, when: str = ""
) -> list[str]:
    """Add ``sign`` × the task(s) ``t`` matching ``task_where`` to the rows that carry the
    record flags (the task, each of its batch links, rules, batch links × rules), with the
    flags given (``when``: only if it holds)."""
    where = f"{task_where} AND {when}" if when else task_where
    return [
        _upsert(
            TASK_TALLY,
            TASK_KEY,
            task_select(vendor, kind, str(sign), "t", f"{TASKS} t", where, attempted, succeeded),
        )
        for kind in FLAGGED
    ]


def _row_task_moves(vendor: str, row: str, sign: int) -> list[str]:
    """The task in trigger row ``row`` (NEW/OLD), with its flags from its records now."""
    return [
        _upsert(TASK_TALLY, TASK_KEY, task_select(vendor, kind, str(sign), row, ""))
        for kind in KINDS
    ]


def _link_moves(vendor: str, row: str, sign: int, rule: bool) -> list[str]:
    """One batch link (``rule`` False) or rule of trigger row ``row``, if its task exists:
    the task's rows of the kinds that have one per link (rule), and a link's records."""
    given = {"rule": row} if rule else {"link": row}
    moves = [
        _upsert(
            TASK_TALLY,
            TASK_KEY,
            task_select(
                vendor, kind, str(sign), "t", f"{TASKS} t", f"t.id = {row}.task_id", **given
            ),
        )
        for kind, uses in KINDS.items()
        if uses[1 if rule else 0]
    ]
    if not rule:
        records = record_select(
            vendor,
            str(sign),
            "r",
            f"{RECORDS} r",
            f"r.task_id = {row}.task_id",
            per_link=True,
            link=row,
        )
        moves.append(_upsert(RECORD_TALLY, RECORD_KEY, records))
    return moves


def _record_moves(vendor: str, row: str, sign: int) -> list[str]:
    """Record ``row`` counted ``sign`` among all records and once per link of its task."""
    return [
        _upsert(RECORD_TALLY, RECORD_KEY, record_select(vendor, str(sign), row, "", per_link=p))
        for p in (False, True)
    ]


def _flag_moves(vendor: str, row: str, arriving: bool) -> list[str]:
    """The task flags (has a record, has a 成功 record) of record ``row``'s task as the
    record arrives at the task (``arriving``) or leaves it: the task's rows move from the
    flags it had to the flags it has, when they differ. The other records of the task are
    the same before and after, so both are written from them."""
    task = f"{row}.task_id"
    others = _has_record(task, other_than=f"{row}.id")
    others_ok = _has_record(task, success=True, other_than=f"{row}.id")
    this_ok = _flag(f"{row}.status = '{SUCCESS}'")
    with_it = ("1", f"(CASE WHEN {this_ok} = 1 THEN 1 ELSE {others_ok} END)")
    without = (others, others_ok)
    before, after = (without, with_it) if arriving else (with_it, without)
    changed = f"({before[0]} <> {after[0]} OR {before[1]} <> {after[1]})"
    where = f"t.id = {task}"
    return task_moves(vendor, where, -1, *before, when=changed) + task_moves(
        vendor, where, 1, *after, when=changed
    )


# ---------------------------------------------------------------- the triggers


def _changed_sqlite(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


TASK_COLUMNS = ("branch_id", "business_type_id", "status", "deadline", "created_at", "closed_at")
RECORD_COLUMNS = (
    "task_id",
    "branch_id",
    "business_type_id",
    "agent_id",
    "method",
    "status",
    "failure_reason_id",
    "called_at",
)


def triggers(vendor: str) -> list[tuple[str, str, str, str, list[str]]]:
    """(name, table, event, the changed-columns condition or "", statements) of each
    trigger: SQLite's row triggers (statements refer to the row as NEW / OLD), PostgreSQL's
    statement triggers (:func:`statement_triggers`)."""
    if vendor == "postgresql":
        return statement_triggers()
    changed = _changed_sqlite
    specs = [
        ("hf_tally_task_ins", TASKS, "INSERT", "", _row_task_moves(vendor, "NEW", 1)),
        ("hf_tally_task_del", TASKS, "DELETE", "", _row_task_moves(vendor, "OLD", -1)),
        (
            "hf_tally_task_upd",
            TASKS,
            "UPDATE",
            changed(TASK_COLUMNS),
            _row_task_moves(vendor, "OLD", -1) + _row_task_moves(vendor, "NEW", 1),
        ),
    ]
    for table, short, columns, rule in (
        (LINKS, "link", ("task_id", "batch_id"), False),
        (RULES, "rule", ("task_id", "code"), True),
    ):
        specs += [
            (f"hf_tally_{short}_ins", table, "INSERT", "", _link_moves(vendor, "NEW", 1, rule)),
            (f"hf_tally_{short}_del", table, "DELETE", "", _link_moves(vendor, "OLD", -1, rule)),
            (
                f"hf_tally_{short}_upd",
                table,
                "UPDATE",
                changed(columns),
                _link_moves(vendor, "OLD", -1, rule) + _link_moves(vendor, "NEW", 1, rule),
            ),
        ]
    return [
        *specs,
        (
            "hf_tally_record_ins",
            RECORDS,
            "INSERT",
            "",
            [*_record_moves(vendor, "NEW", 1), *_flag_moves(vendor, "NEW", True)],
        ),
        (
            "hf_tally_record_del",
            RECORDS,
            "DELETE",
            "",
            [*_record_moves(vendor, "OLD", -1), *_flag_moves(vendor, "OLD", False)],
        ),
        (
            "hf_tally_record_upd",
            RECORDS,
            "UPDATE",
            changed(RECORD_COLUMNS),
            [
                *_record_moves(vendor, "OLD", -1),
                *_record_moves(vendor, "NEW", 1),
                *_flag_moves(vendor, "OLD", False),
                *_flag_moves(vendor, "NEW", True),
            ],
        ),
    ]


def counted(vendor: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """For each tally: its key and the SELECT that counts it afresh from the base tables."""
    task_rows = " UNION ALL ".join(
        task_select(vendor, kind, "1", "t", f"{TASKS} t") for kind in KINDS
    )
    record_rows = " UNION ALL ".join(
        record_select(vendor, "1", "r", f"{RECORDS} r", per_link=p) for p in (False, True)
    )
    result = {}
    for table, key, rows in (
        (TASK_TALLY, TASK_KEY, task_rows),
        (RECORD_TALLY, RECORD_KEY, record_rows),
    ):
        columns = ", ".join(key)
        result[table] = (key, f"SELECT {columns}, SUM(n) FROM ({rows}) k GROUP BY {columns}")
    return result


# PostgreSQL: statement triggers over the statement's transition tables (``nt``: the rows
# as written, ``ot``: as they were). Row triggers there would update the same counter row
# once per written row — 100,000 versions of one row in one transaction, each upsert
# walking the previous ones (the bench set-up's 100,000 tasks took 78 s instead of 7) —
# where one grouped upsert per statement writes each key once.

PG = "postgresql"


def _pg_task_rows(source: str, sign: str, attempted: str = "", succeeded: str = "") -> str:
    """The counter rows of every kind of the tasks ``t`` in ``source`` (a FROM item), each
    counting ``sign``; flags from the task's records now, or the given columns (then only
    the kinds that carry them)."""
    kinds = FLAGGED if attempted else KINDS
    return " UNION ALL ".join(
        task_select(PG, kind, sign, "t", source, "", attempted, succeeded) for kind in kinds
    )


def _pg_apply(table: str, key: tuple[str, ...], rows: str, with_: str = "") -> str:
    """One upsert of ``rows`` (a UNION of SELECTs giving ``key`` and n), grouped by key."""
    names = ", ".join(key)
    return (
        f"{with_}INSERT INTO {table} ({names}, n) SELECT {names}, SUM(n) "
        f"FROM ({rows}) AS k({names}, n) GROUP BY {names} HAVING SUM(n) <> 0 "
        f"ON CONFLICT ({names}) DO UPDATE SET n = {table}.n + excluded.n"
    )


def _pg_link_rows(source: str, sign: str, rule: bool) -> str:
    """The task counter rows of the links (rules) in transition table ``source``."""
    given = {"rule": "r"} if rule else {"link": "r"}
    return " UNION ALL ".join(
        task_select(PG, kind, sign, "t", f"{source} r JOIN {TASKS} t ON t.id = r.task_id", **given)
        for kind, uses in KINDS.items()
        if uses[1 if rule else 0]
    )


def _pg_record_rows(source: str, sign: str) -> str:
    """The record counter rows of the records in transition table ``source``."""
    return " UNION ALL ".join(
        record_select(PG, sign, "r", f"{source} r", per_link=p) for p in (False, True)
    )


def _pg_linked_records(source: str, sign: str) -> str:
    """The record counter rows the links in transition table ``source`` add (remove)."""
    return record_select(
        PG,
        sign,
        "q",
        f"{source} r JOIN {RECORDS} q ON q.task_id = r.task_id",
        per_link=True,
        link="r",
    )


def _pg_flags(has_new: bool, has_old: bool) -> str:
    """The tasks whose "has a record / a 成功 record" the statement changed, with both
    flag pairs, as CTE ``c``: the task's records now, counted, less the statement's new
    rows (``nt``) plus its old ones (``ot``) were its records before. Counting by task
    keeps it linear (an anti-join of each record to the transition table is not: those
    have no index)."""
    ok = f"CASE WHEN x.status = '{SUCCESS}' THEN 1 ELSE 0 END"
    changes = " UNION ALL ".join(
        f"SELECT x.task_id, {sign} AS a, {sign} * ({ok}) AS s FROM {table} x"
        for table, sign, on in (("nt", "1", has_new), ("ot", "-1", has_old))
        if on
    )
    return (
        f"WITH d AS (SELECT task_id, SUM(a) AS da, SUM(s) AS ds FROM ({changes}) y "
        "GROUP BY task_id), "
        "f AS (SELECT t.*, m.now_a, m.now_s, m.now_a - d.da AS was_a, m.now_s - d.ds AS was_s "
        f"FROM d JOIN {TASKS} t ON t.id = d.task_id CROSS JOIN LATERAL (SELECT COUNT(*) AS now_a, "
        f"COUNT(*) FILTER (WHERE r.status = '{SUCCESS}') AS now_s FROM {RECORDS} r "
        "WHERE r.task_id = t.id) m), "
        "c AS (SELECT f.*, "
        f"{_flag('was_a > 0')} AS old_a, {_flag('was_s > 0')} AS old_s, "
        f"{_flag('now_a > 0')} AS new_a, {_flag('now_s > 0')} AS new_s FROM f "
        "WHERE (was_a > 0) <> (now_a > 0) OR (was_s > 0) <> (now_s > 0)) "
    )


def statement_triggers() -> list[tuple[str, str, str, str, list[str]]]:
    """PostgreSQL's triggers, as :func:`triggers` lists them (the condition slot holds the
    transition tables the statement refers to)."""

    def tasks(rows: str) -> str:
        return _pg_apply(TASK_TALLY, TASK_KEY, rows)

    def records(rows: str) -> str:
        return _pg_apply(RECORD_TALLY, RECORD_KEY, rows)

    def flags(has_new: bool, has_old: bool) -> str:
        rows = (
            _pg_task_rows("c t", "-1", "t.old_a", "t.old_s")
            + " UNION ALL "
            + (_pg_task_rows("c t", "1", "t.new_a", "t.new_s"))
        )
        return _pg_apply(TASK_TALLY, TASK_KEY, rows, _pg_flags(has_new, has_old))

    # (event, transition tables, (table, sign) of each side): an updated row goes out at
    # its old key and in at its new one, and the grouping cancels the rows whose key did
    # not change (no join of ot to nt, which the planner, without statistics on transition
    # tables, may nest).
    events = (
        ("INSERT", "nt", [("nt", "1")]),
        ("DELETE", "ot", [("ot", "-1")]),
        ("UPDATE", "nt ot", [("ot", "-1"), ("nt", "1")]),
    )
    specs = []
    for event, tables, sides in events:

        def union(rows, *more, sides=sides) -> str:
            return " UNION ALL ".join(rows(source, sign, *more) for source, sign in sides)

        short = event[:3].lower()
        specs += [
            (
                f"hf_tally_task_{short}",
                TASKS,
                event,
                tables,
                [tasks(union(lambda source, sign: _pg_task_rows(f"{source} t", sign)))],
            ),
            (
                f"hf_tally_link_{short}",
                LINKS,
                event,
                tables,
                [tasks(union(_pg_link_rows, False)), records(union(_pg_linked_records))],
            ),
            (f"hf_tally_rule_{short}", RULES, event, tables, [tasks(union(_pg_link_rows, True))]),
            (
                f"hf_tally_record_{short}",
                RECORDS,
                event,
                tables,
                [records(union(_pg_record_rows)), flags("nt" in tables, "ot" in tables)],
            ),
        ]
    return specs


def rebuild_statements(vendor: str) -> list[str]:
    """Both tallies recomputed from the base tables (one GROUP BY each)."""
    statements = []
    for table, (key, select) in counted(vendor).items():
        statements += [
            f"DELETE FROM {table}",
            f"INSERT INTO {table} ({', '.join(key)}, n) {select}",
        ]
    return statements


def _sqlite_ddl(name, table, event, condition, statements) -> list[str]:
    when = f" WHEN {condition}" if condition else ""
    body = ";\n".join(statements)
    return [
        f"DROP TRIGGER IF EXISTS {name}",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when}\nBEGIN\n{body};\nEND",
    ]


def _postgres_ddl(name, table, event, tables, statements) -> list[str]:
    referencing = " ".join(f"{'NEW' if t == 'nt' else 'OLD'} TABLE AS {t}" for t in tables.split())
    body = ";\n".join(statements)
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        f"BEGIN\n{body};\nRETURN NULL;\nEND\n$fn$",
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def _postgres_truncate_ddl() -> list[str]:
    """A TRUNCATE of a base table rebuilds the tallies (no row triggers fire for it)."""
    body = ";\n".join(rebuild_statements("postgresql"))
    ddl = [
        "CREATE OR REPLACE FUNCTION hf_tally_truncated() RETURNS trigger LANGUAGE plpgsql "
        f"AS $fn$\nBEGIN\n{body};\nRETURN NULL;\nEND\n$fn$"
    ]
    for table in (TASKS, LINKS, RULES, RECORDS):
        name = f"hf_tally_trunc_{table.split('_', 1)[1]}"
        ddl += [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION hf_tally_truncated()",
        ]
    return ddl


def trigger_ddl(vendor: str) -> list[str]:
    if vendor == "postgresql":
        ddl = [s for spec in triggers(vendor) for s in _postgres_ddl(*spec)]
        return ddl + _postgres_truncate_ddl()
    if vendor == "sqlite":
        return [s for spec in triggers(vendor) for s in _sqlite_ddl(*spec)]
    raise NotImplementedError(f"汇总计数不支持数据库 {vendor}")


def drop_ddl(vendor: str) -> list[str]:
    names = [spec[:2] for spec in triggers(vendor)]
    if vendor == "postgresql":
        truncs = [
            (f"hf_tally_trunc_{t.split('_', 1)[1]}", t) for t in (TASKS, LINKS, RULES, RECORDS)
        ]
        return (
            [f"DROP TRIGGER IF EXISTS {n} ON {t}" for n, t in names + truncs]
            + [f"DROP FUNCTION IF EXISTS {n}()" for n, _ in names]
            + ["DROP FUNCTION IF EXISTS hf_tally_truncated()"]
        )
    return [f"DROP TRIGGER IF EXISTS {n}" for n, _ in names]


# ---------------------------------------------------------------- operations

TYPES = {
    "kind": "smallint",
    "batch_id": "bigint",
    "rule": "varchar(8)",
    "branch_id": "bigint",
    "business_type_id": "bigint",
    "status": "varchar(16)",
    "deadline": "date",
    "created_day": "date",
    "attempted": "smallint",
    "succeeded": "smallint",
    "closed_day": "date",
    "agent_id": "bigint",
    "method": "varchar(16)",
    "failure_reason_id": "bigint",
    "called_day": "date",
}


def table_ddl(vendor: str) -> list[str]:
    """The two tables (``reports.models.TaskTally`` / ``RecordTally`` read them)."""
    if vendor == "postgresql":
        pk = "id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    else:
        pk = "id integer PRIMARY KEY AUTOINCREMENT"
    ddl = []
    for table, key, constraint in (
        (TASK_TALLY, TASK_KEY, "tasktally_key"),
        (RECORD_TALLY, RECORD_KEY, "recordtally_key"),
    ):
        columns = ", ".join(f"{c} {TYPES[c]} NOT NULL" for c in key)
        ddl.append(
            f"CREATE TABLE {table} ({pk}, {columns}, n bigint NOT NULL, "
            f"CONSTRAINT {constraint} UNIQUE ({', '.join(key)}))"
        )
    return ddl


def _execute(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create_tables(connection) -> None:
    _execute(connection, table_ddl(connection.vendor))


def drop(connection) -> None:
    _execute(connection, drop_ddl(connection.vendor))
    _execute(connection, [f"DROP TABLE {TASK_TALLY}", f"DROP TABLE {RECORD_TALLY}"])


def missing_triggers(connection) -> list[str]:
    names = [spec[0] for spec in triggers(connection.vendor)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'hf_tally_%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return [n for n in names if n not in present]


def install(connection) -> None:
    """Create the triggers and fill the tallies from the tables (inside the caller's
    transaction)."""
    _execute(connection, trigger_ddl(connection.vendor))
    rebuild(connection)


def ensure(connection) -> bool:
    """Reinstall the triggers (and refill the tallies) when any is missing, as after a
    migration that rebuilt a base table on SQLite. Whether it had to."""
    tables = set(connection.introspection.table_names())
    if TASK_TALLY not in tables or not missing_triggers(connection):
        return False
    install(connection)
    return True


def rebuild(connection) -> None:
    _execute(connection, rebuild_statements(connection.vendor))


def differences(connection) -> dict[str, list]:
    """Keys whose stored count differs from a fresh GROUP BY of the base tables (empty when
    the tallies are exact), for each tally: ``(key…, stored, counted)``."""
    result: dict[str, list] = {}
    for table, (key, select) in counted(connection.vendor).items():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(key)}, n FROM {table} WHERE n <> 0")
            stored = {tuple(str(v) for v in row[:-1]): row[-1] for row in cursor.fetchall()}
            cursor.execute(select)
            expected = {tuple(str(v) for v in row[:-1]): row[-1] for row in cursor.fetchall()}
        result[table] = [
            (*k, stored.get(k, 0), expected.get(k, 0))
            for k in sorted(set(stored) | set(expected))
            if stored.get(k, 0) != expected.get(k, 0)
        ]
    return result
