"""Staging tables and the set-based apply step (SQLite and PostgreSQL).

Valid rows go into a temporary table in chunks (``executemany`` on SQLite, ``COPY`` on
PostgreSQL). Applying is then a handful of statements whatever the row count:

1. ``UPDATE stage SET target_id = (SELECT id FROM target WHERE natural key matches)``;
2. the rows whose values differ are read once (old and new values) for the audit log;
3. ``UPDATE target … FROM stage`` for those rows, ``INSERT … SELECT`` for the new ones;
4. one audit row per created record (master data only) with ``INSERT … SELECT``.

Unchanged = matched − changed, compared with a null-safe "is distinct from".
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from huifang.core import audit, fieldcrypt
from huifang.core.fields import from_cents
from huifang.customers.audit_actions import CustomerAction


@dataclass(frozen=True)
class Target:
    """How one dataset's staging table maps onto its model's table. The column list, dates,
    money and personal-data columns are derived from the dataset's spec and its model
    (``targets.target``); the rest concerns the table as a whole."""

    name: str  # dataset
    table: str
    object_type: str
    columns: tuple[tuple[str, str], ...]  # (column, SQL type) in stage-tuple order, after rowno
    key: tuple[str, ...]
    money: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    timestamps: bool = False
    audit_creates: bool = True
    repr_sql: str = "r.id"  # object_repr, over the target ``r`` and the stage ``s``
    partition: str | None = None  # an indexed key column whose values most files add anew
    insert_order: str = "s.rowno"  # new records get ids in this order
    # Stage-only columns after the target's in the tuples (e.g. a code resolved to an id
    # by ``Stage.resolve``); never written to the table.
    extra: tuple[tuple[str, str], ...] = ()
    # Build the secondary indexes after the insert when a load at least doubles the table
    # (the first load of the customers): sorting once is several times cheaper than
    # inserting a million keys into ten b-trees.
    defer_indexes: bool = False
    # Personal-data columns (the dataset spec's ``sensitive``): staged and stored encrypted,
    # each with its blind index ``<column>_bidx`` after the target's columns; a change is
    # seen by comparing the indexes (``core.fieldcrypt``).
    sensitive: tuple[str, ...] = ()
    # An optional column the file lacks leaves an existing record's value as it is (the
    # file says nothing about it); False where the spec gives absent columns a value that
    # the row's other values depend on (the daily amounts' 0).
    keeps_absent: bool = True
    # Fields a row may compute when their column is absent (the birth date from a 身份证
    # number): the computed value if there is one, else the record's own.
    derived: frozenset[str] = frozenset()
    # Fields that default to another field when not given (全称 to 名称): a record whose
    # value is still that default follows the other field; one given its own keeps it.
    defaults: tuple[tuple[str, str], ...] = ()  # (field, the field it defaults to)

    @cached_property
    def booleans(self) -> frozenset[str]:
        """Boolean columns (SQLite hands them back as 0 and 1)."""
        return frozenset(name for name, kind in self.columns if kind == "BOOLEAN")

    @property
    def stage(self) -> str:
        return f"hf_import_stage_{self.name}"

    @property
    def indexes(self) -> list[tuple[str, str]]:
        return [(f"{name}_bidx", "TEXT") for name in self.sensitive]

    @property
    def stored(self) -> list[tuple[str, str]]:
        """(column, SQL type) written to the table: the target's, then the blind indexes."""
        return [*self.columns, *self.indexes]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.stored]

    @property
    def staged(self) -> list[tuple[str, str]]:
        """(column, SQL type) of a stage tuple after ``rowno``: stored, then extra."""
        return [*self.stored, *self.extra]

    @property
    def fields(self) -> list[str]:
        return [name for name in self.names if name not in self.key]

    @property
    def compared(self) -> list[str]:
        """The fields whose difference is a change: a sensitive column through its index."""
        return [name for name in self.fields if name not in self.sensitive]

    @property
    def audited(self) -> list[str]:
        """The fields an audit row's before/after shows (clear values, masked by the writer)."""
        return [name for name, _ in self.columns if name not in self.key]

    def seal(self, rows: list[tuple]) -> list[tuple]:
        """Validated stage tuples with their sensitive values encrypted and the blind
        indexes inserted after the target's columns (before ``extra``): column by column,
        each column's values encrypted and indexed in one call (``core.fieldcrypt``). The
        dates, rebuilt anyway, go as ISO text (what the database adapters would make of
        them, without calling an adapter per value)."""
        if not self.sensitive or not rows:
            return rows
        ring = fieldcrypt.keyring()
        columns = list(zip(*rows, strict=True))
        end = 1 + len(self.columns)
        indexes = []
        for position in self._positions(self.sensitive):
            clear = columns[position]
            columns[position] = ring.encrypt_many(clear)
            indexes.append(ring.index_many(clear))
        for position in self._positions(self.dates):
            dates = columns[position]
            columns[position] = [d if d is None or type(d) is str else d.isoformat() for d in dates]
        return list(zip(*columns[:end], *indexes, *columns[end:], strict=True))

    def _positions(self, names) -> list[int]:
        """Where the values of the columns ``names`` sit in a stage tuple (after ``rowno``)."""
        order = [name for name, _ in self.columns]
        return [1 + order.index(name) for name in names]


def _distinct() -> str:
    return "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"


class Stage:
    """One import's staging table: create, fill in chunks, apply, drop."""

    def __init__(self, target: Target):
        self.target = target
        self.rows = 0
        self.matched = 0  # staged rows that have a record already (set by ``match``)
        self.partitions: int | None = None  # distinct partition values staged (``match``)
        # The validator saw the rows come in the target's key order: insert them in file
        # order (``rowno``, the SQLite stage's own key) instead of sorting them.
        self.key_ordered = False

    def create(self) -> None:
        t = self.target
        columns = ", ".join(f"{name} {kind}" for name, kind in t.staged)
        # No index to maintain while loading: on SQLite ``rowno`` is the rowid itself, in
        # file order; PostgreSQL reads the stage with sequential scans.
        rowno = "INTEGER PRIMARY KEY" if connection.vendor == "sqlite" else "BIGINT NOT NULL"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {t.stage}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {t.stage} (rowno {rowno}, {columns}, target_id BIGINT)"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor, _scratch_pages(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {self.target.stage}")

    def insert(self, rows: list[tuple]) -> None:
        """Stage validated rows (clear values; sealed here)."""
        self._insert(self.target.seal(rows))

    def _insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        t = self.target
        names = ["rowno", *(name for name, _ in t.staged)]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {t.stage} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {t.stage} ({', '.join(names)}) VALUES ({marks})", rows
                )
        self.rows += len(rows)

    def part_file(self, path: Path) -> PartFile:
        """Where another process stages the rows of a part of the file (``absorb``)."""
        return PartFile(path, connection.vendor, self.target)

    def absorb(self, part: PartFile, offset: int) -> None:
        """Add the rows another process staged in ``part``, their row numbers counted on
        from ``offset``: on SQLite one ``INSERT … SELECT`` from the part's database file,
        attached; on PostgreSQL one ``COPY`` of the part's text into a table beside the
        stage, then the same ``INSERT … SELECT``."""
        t = self.target
        columns = ", ".join(part.names)
        select = ", ".join(["rowno + %s", *part.names[1:]])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                table = f"{t.stage}_part"
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"CREATE TEMPORARY TABLE {table} (LIKE {t.stage})")
                copy_sql = f"COPY {table} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy, open(part.path, "rb") as handle:
                    while block := handle.read(1 << 20):
                        copy.write(block)
                cursor.execute(
                    f"INSERT INTO {t.stage} ({columns}) SELECT {select} FROM {table}", [offset]
                )
                cursor.execute(f"DROP TABLE {table}")
            else:
                schema = _attach(part.path)
                if schema is None:  # all attachment slots taken: copy through Python
                    self._copy_part(part, offset)
                    return
                cursor.execute(
                    f"INSERT INTO {t.stage} ({columns}) SELECT {select} FROM {schema}.part",
                    [offset],
                )
        self.rows += part.rows

    def _copy_part(self, part: PartFile, offset: int) -> None:
        source = sqlite3.connect(part.path)
        try:
            rows = source.execute(f"SELECT {', '.join(part.names)} FROM part ORDER BY rowno")
            while chunk := rows.fetchmany(10_000):
                self._insert([(rowno + offset, *rest) for rowno, *rest in chunk])
        finally:
            source.close()

    def first_rows(
        self, keys: list[tuple], key: tuple[str, ...] = (), after: int = 0
    ) -> dict[tuple, int]:
        """The first staged row number (after row ``after``) of each of ``keys``: tuples
        of the ``key`` columns (default: the target's natural key; dates as ISO text). One
        join of the stage with the keys."""
        t = self.target
        key = key or t.key
        table = f"{t.stage}_keys"
        kinds = dict(t.staged)
        key_columns = ", ".join(f"k.{k}" for k in key)
        on = " AND ".join(f"s.{k} = k.{k}" for k in key)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {table} ({', '.join(f'{k} {kinds[k]}' for k in key)})"
            )
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(key)}) VALUES ({', '.join(['%s'] * len(key))})",
                keys,
            )
            cursor.execute(
                f"SELECT {key_columns}, MIN(s.rowno) FROM {table} k JOIN {t.stage} s ON {on} "
                f"WHERE s.rowno > %s GROUP BY {key_columns}",
                [after],
            )
            found = {}
            for *values, first in cursor.fetchall():
                pairs = zip(key, values, strict=True)
                found[tuple(_iso(v) if k in t.dates else v for k, v in pairs)] = first
            cursor.execute(f"DROP TABLE {table}")
        return found

    def resolve(self, column: str, code: str, table: str, table_code: str) -> None:
        """Fill ``column`` with the id of the ``table`` row whose ``table_code`` equals the
        staged ``code``: on SQLite one probe of its unique index per staged row, on
        PostgreSQL a join the planner may hash."""
        stage = self.target.stage
        if connection.vendor == "postgresql":
            sql = (
                f"UPDATE {stage} s SET {column} = r.id FROM {table} r "
                f"WHERE r.{table_code} = s.{code}"
            )
        else:
            sql = (
                f"UPDATE {stage} SET {column} = (SELECT r.id FROM {table} r "
                f"WHERE r.{table_code} = {stage}.{code}) WHERE {code} IS NOT NULL"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def unresolved(self, column: str, code: str, allowed: tuple[str, list] | None = None):
        """(rowno, code) of staged rows whose ``code`` found no id; with ``allowed`` (the SQL
        and parameters of a query of ids), also those whose id is not among them."""
        condition, params = f"s.{column} IS NULL", []
        if allowed is not None:
            condition += f" OR s.{column} NOT IN ({allowed[0]})"
            params = list(allowed[1])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.rowno, s.{code}, s.{column} FROM {self.target.stage} s "
                f"WHERE s.{code} IS NOT NULL AND ({condition}) ORDER BY s.rowno",
                params,
            )
            return cursor.fetchall()

    def joined(self, code: str, join: str, where: str, params: list) -> list[tuple[int, str]]:
        """(rowno, code) of the staged rows ``s`` that ``join`` (SQL joining other tables to
        ``s``) finds rows for meeting ``where``, in row order: one statement."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.rowno, s.{code} FROM {self.target.stage} s {join} "
                f"WHERE {where} ORDER BY s.rowno",
                params,
            )
            return cursor.fetchall()

    def count_by(self, expression: str, join: str = "") -> list[tuple]:
        """(value, rows) of ``expression`` over the staged rows ``s`` (joined by ``join``)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {expression}, COUNT(*) FROM {self.target.stage} s {join} "
                f"GROUP BY {expression}"
            )
            return cursor.fetchall()

    def remove(self, rownos: list[int]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one scan of the unindexed stage
                cursor.execute(f"DELETE FROM {self.target.stage} WHERE rowno = ANY(%s)", [rownos])
            else:
                for start in range(0, len(rownos), 1000):
                    chunk = rownos[start : start + 1000]
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(
                        f"DELETE FROM {self.target.stage} WHERE rowno IN ({marks})", chunk
                    )
        self.rows -= len(rownos)

    # -- apply ------------------------------------------------------------------------------

    def match(self) -> int:
        """Point each staged row at its existing record; returns how many exist.

        With a partition column (daily rows: the trade date) only the partitions the target
        already holds are looked up, so a file of new trading days compares nothing; an
        empty target (a first load) is not looked up at all."""
        t = self.target
        keys = " AND ".join(f"t.{k} = {t.stage}.{k}" for k in t.key)
        only, params = "", []
        if not t.partition and self._empty_target():
            self.matched = 0
            return 0
        if t.partition:
            held, staged = self._held_partitions()
            self.partitions = staged
            if not held:
                self.matched = 0
                return 0
            if len(held) < staged:
                only = f" WHERE {t.partition} IN ({', '.join(['%s'] * len(held))})"
                params = held
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {t.stage} SET target_id = (SELECT t.id FROM {t.table} t WHERE {keys})"
                f"{only}",
                params,
            )
            cursor.execute(f"SELECT COUNT(*) FROM {t.stage} WHERE target_id IS NOT NULL")
            self.matched = cursor.fetchone()[0]
        return self.matched

    def keep(self, fields: list[str]) -> None:
        """Matched rows take their record's own values of ``fields`` (and of their blind
        indexes), so that comparing and updating leaves those fields as they are; a
        ``derived`` field keeps the value the row computed, if any, and a field still at
        its ``defaults`` follows the field it defaults to."""
        if not fields or not self.matched:
            return
        t = self.target
        names = [*fields, *(f"{f}_bidx" for f in fields if f in t.sensitive)]

        def kept(f: str) -> str:
            if f in t.derived:
                return f"COALESCE({t.stage}.{f}, r.{f})"
            other = dict(t.defaults).get(f)
            if other is not None:
                return f"CASE WHEN r.{f} = r.{other} THEN {t.stage}.{f} ELSE r.{f} END"
            return f"r.{f}"

        sets = ", ".join(f"{f} = {kept(f)}" for f in names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {t.stage} SET {sets} FROM {t.table} r WHERE r.id = {t.stage}.target_id"
            )

    def _empty_target(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {self.target.table} LIMIT 1")
            return cursor.fetchone() is None

    def _held_partitions(self) -> tuple[list, int]:
        """The staged partition values the target already has rows for, and how many
        distinct values the stage holds (each probe is one indexed lookup)."""
        t = self.target
        p = t.partition
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.{p}, EXISTS (SELECT 1 FROM {t.table} t WHERE t.{p} = s.{p}) "
                f"FROM (SELECT DISTINCT {p} FROM {t.stage}) s"
            )
            rows = cursor.fetchall()
        return [value for value, held in rows if held], len(rows)

    def _differs(self, old: str, new: str) -> str:
        op = _distinct()
        return " OR ".join(f"{old}.{f} {op} {new}.{f}" for f in self.target.compared)

    def changes(self, chunk: int = 5000) -> Iterator[list[tuple[int, str, dict, dict]]]:
        """(id, repr, before, after) of existing records whose values differ, in chunks."""
        if not self.matched:
            return
        t = self.target
        fields = t.audited
        old = ", ".join(f"r.{f}" for f in fields)
        new = ", ".join(f"s.{f}" for f in fields)
        sql = (
            f"SELECT r.id, SUBSTR({t.repr_sql}, 1, 200), {old}, {new} "
            f"FROM {t.stage} s JOIN {t.table} r ON r.id = s.target_id "
            f"WHERE {self._differs('r', 's')} ORDER BY s.rowno"
        )
        width = len(fields)
        with connection.cursor() as cursor:
            cursor.execute(sql)
            while batch := cursor.fetchmany(chunk):
                out = []
                for row in batch:
                    olds, news = row[2 : 2 + width], row[2 + width :]
                    before = {f: self._py(f, v) for f, v in zip(fields, olds, strict=True)}
                    after = {f: self._py(f, v) for f, v in zip(fields, news, strict=True)}
                    old_diff, new_diff = audit.diff(before, after)
                    out.append((row[0], row[1], old_diff, new_diff))
                yield out

    def _py(self, field: str, value):
        if field in self.target.sensitive:
            return fieldcrypt.decrypt(value)
        if field in self.target.money and value is not None:
            return from_cents(value)
        if field in self.target.dates and isinstance(value, str):
            return datetime.date.fromisoformat(value[:10])
        if isinstance(value, int) and field in self.target.booleans:
            return bool(value)
        return value

    def update(self) -> int:
        if not self.matched:
            return 0
        t = self.target
        sets = [f"{f} = s.{f}" for f in t.fields]
        params: list = []
        if t.timestamps:
            sets.append("updated_at = %s")
            params.append(_now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {t.table} SET {', '.join(sets)} FROM {t.stage} s "
                f"WHERE {t.table}.id = s.target_id AND ({self._differs(t.table, 's')})",
                params,
            )
            return cursor.rowcount

    def insert_new(self) -> int:
        t = self.target
        names = t.names
        columns = list(names)
        values = [f"s.{n}" for n in names]
        params: list = []
        if t.timestamps:
            now = _now()
            columns += ["created_at", "updated_at"]
            values += ["%s", "%s"]
            params += [now, now]
        new = self.rows - self.matched
        rebuild = t.defer_indexes and new >= DEFER_INDEXES_FROM and _fewer_rows(t.table, new)
        with connection.cursor() as cursor, deferred_indexes(t.table, rebuild, new):
            cursor.execute(
                f"INSERT INTO {t.table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                f"FROM {t.stage} s WHERE s.target_id IS NULL "
                f"ORDER BY {'s.rowno' if self.key_ordered else t.insert_order}",
                params,
            )
            return cursor.rowcount

    def audit_creates(self, message: str) -> None:
        """One ``create`` audit row per new record, written set-based by the audit writer."""
        t = self.target
        keys = " AND ".join(f"r.{k} = s.{k}" for k in t.key)
        audit.record_query(
            CustomerAction.CREATE,
            object_type=t.object_type,
            message=message,
            select=f"SELECT r.id AS object_id, {t.repr_sql} AS object_repr "
            f"FROM {t.stage} s JOIN {t.table} r ON {keys} WHERE s.target_id IS NULL",
        )

    def touched(self, column: str, changed_ids: list[int]) -> Iterator:
        """Distinct values of ``column`` over created rows (and the given changed records)."""
        t = self.target
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT {column} FROM {t.stage} WHERE target_id IS NULL")
            yield from (row[0] for row in cursor.fetchall())
            for start in range(0, len(changed_ids), 1000):
                chunk = changed_ids[start : start + 1000]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT DISTINCT {column} FROM {t.table} WHERE id IN ({marks})", chunk
                )
                yield from (row[0] for row in cursor.fetchall())


class PartFile:
    """The rows another process stages for a part of a big file (``parallel.py``): on
    SQLite a database file of its own (a table ``part``), on PostgreSQL a file in COPY's
    text format. Written only by that process, which touches no Django connection; read
    by ``Stage.absorb``."""

    def __init__(self, path: Path, vendor: str, target: Target):
        self.path, self.vendor, self.target = path, vendor, target
        self.staged = target.staged
        self.names = ["rowno", *(name for name, _ in self.staged)]
        self.rows = 0
        self._out = None

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self._out is None:
            self._open()
        rows = self.target.seal(rows)
        if self.vendor == "postgresql":
            self._out.writelines(
                "\t".join(_copy_text(value) for value in row) + "\n" for row in rows
            )
        else:
            marks = ", ".join(["?"] * len(self.names))
            self._out.executemany(f"INSERT INTO part VALUES ({marks})", rows)
        self.rows += len(rows)

    def _open(self) -> None:
        if self.vendor == "postgresql":
            self._out = open(self.path, "w", encoding="utf-8", newline="\n")
            return
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode = OFF")  # a scratch file: no journal, no fsync
        db.execute("PRAGMA synchronous = OFF")
        columns = ", ".join(f"{name} {kind}" for name, kind in self.staged)
        db.execute(f"CREATE TABLE part (rowno INTEGER PRIMARY KEY, {columns})")
        db.execute("BEGIN")
        self._out = db

    def close(self) -> None:
        """Finish writing (a part without rows leaves an empty file or table)."""
        if self._out is None:
            self._open()
        if self.vendor != "postgresql":
            self._out.execute("COMMIT")
        self._out.close()


@contextlib.contextmanager
def checking():
    """The transaction an import reads, checks and stages its file in.

    It writes only the import's temporary stage, never the main database; on SQLite it
    is begun DEFERRED, so it takes no write lock there (the database's setting begins
    every transaction IMMEDIATE, which would hold the one write lock of the whole
    database for as long as a big file takes to read: every login, record save and the
    task worker would wait). Inside an open transaction it is a savepoint as usual."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    connection.ensure_connection()
    mode = connection.transaction_mode
    connection.transaction_mode = "DEFERRED"
    try:
        with transaction.atomic():
            connection.transaction_mode = mode  # only the BEGIN above is deferred
            yield
    finally:
        connection.transaction_mode = mode


@contextlib.contextmanager
def _scratch_pages(cursor):
    """SQLite: free the pages of the temporary schema without overwriting them with zeros
    first. Debian's SQLite is built with ``SECURE_DELETE``, which writes every page a
    dropped stage held (1M customers: ~700 MB, 0.8 s; 0.2 s without); the temporary
    database is a scratch file already unlinked and gone with the connection, as the part
    files of ``parallel.py`` are. The main database keeps its setting."""
    if connection.vendor != "sqlite":
        yield
        return
    cursor.execute("PRAGMA temp.secure_delete")
    secure = cursor.fetchone()[0]
    cursor.execute("PRAGMA temp.secure_delete = 0")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA temp.secure_delete = {int(secure)}")


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if type(value) is str:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)


PART_SCHEMA = "hf_part_"
MAX_PARTS_ATTACHED = 8  # SQLite allows 10 attached databases by default


def _attach(path: Path) -> str | None:
    """Attach a part's database file under a free name, or None when too many are
    attached. A part attached by an earlier import is detached first where it can be (not
    when the current transaction has read it); otherwise once that transaction commits."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        attached = {row[1] for row in cursor.fetchall()}
        for name in sorted(n for n in attached if n.startswith(PART_SCHEMA)):
            with contextlib.suppress(DatabaseError):
                cursor.execute(f"DETACH DATABASE {name}")
                attached.discard(name)
        used = [n for n in attached if n.startswith(PART_SCHEMA)]
        if len(used) >= MAX_PARTS_ATTACHED:
            return None
        number = 0
        while f"{PART_SCHEMA}{number}" in attached:
            number += 1
        name = f"{PART_SCHEMA}{number}"
        cursor.execute(f"ATTACH DATABASE %s AS {name}", [str(path)])
        # Read once, in order: through a small page cache, not mapped into this process's
        # memory as the main database is (a month file's part is ~170 MB).
        cursor.execute(f"PRAGMA {name}.mmap_size = 0")
    transaction.on_commit(lambda: _detach(name))
    return name


def _detach(name: str) -> None:
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute(f"DETACH DATABASE {name}")


def detach_parts() -> None:
    """Detach the part databases of earlier imports (SQLite, outside a transaction: the
    import's own transaction may have rolled back, when no commit hook detaches them)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        names = [row[1] for row in cursor.fetchall() if row[1].startswith(PART_SCHEMA)]
    for name in names:
        _detach(name)


DEFER_INDEXES_FROM = 10_000  # new rows; below this the drop and rebuild is not worth it


def _fewer_rows(table: str, limit: int) -> bool:
    """Whether ``table`` holds fewer than ``limit`` rows (reads at most ``limit``)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [limit])
        return cursor.fetchone()[0] < limit


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of ``table``'s plain indexes: not the primary key,
    not a unique index or constraint (they still check every inserted row)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
                "ORDER BY c.relname",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                [table],
            )
        return list(cursor.fetchall())


# SQLite builds an index by sorting its keys (the VDBE sorter). Given worker threads and a
# sorter memory smaller than the keys, it sorts the keys in runs on those threads while this
# one reads the table, then merges the runs: on two cores the import's own thread spends
# less than half the time (1M customers, twelve indexes: 13.4 → 5.7 s of its CPU in an
# import, 10.6 → 4.5 s alone), and the small runs sort within the CPU's caches (the
# process's CPU, threads included, did not grow: 13.4 → 10.6 s). The sorter's memory is the page cache's size (``PRAGMA cache_size``), so that is lowered
# while the indexes are built and set back after. At 200,000 customers the keys are a few
# runs and the page cache was holding the table: nothing gained, more CPU spent.
SORTER_KIB = 4000
SORT_IN_THREADS_FROM = 500_000  # new rows


@contextlib.contextmanager
def _sorting_threads(cursor, rows: int):
    """SQLite, ``rows`` new rows at least :data:`SORT_IN_THREADS_FROM`: sort in worker
    threads (``IMPORT_PROCESSES`` of them: the cores an import may take; not with one)
    and small runs for the block; settings restored after."""
    workers = settings.IMPORT_PROCESSES
    if connection.vendor != "sqlite" or rows < SORT_IN_THREADS_FROM or workers < 2:
        yield
        return
    cursor.execute("PRAGMA threads")
    threads = cursor.fetchone()[0]
    cursor.execute("PRAGMA cache_size")
    cache = cursor.fetchone()[0]
    cursor.execute(f"PRAGMA threads = {int(workers)}")
    cursor.execute(f"PRAGMA cache_size = -{SORTER_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.execute(f"PRAGMA threads = {int(threads)}")


@contextlib.contextmanager
def deferred_indexes(table: str, active: bool = True, rows: int = 0):
    """Drop ``table``'s secondary indexes for the block and create them again after it, with
    the same statements, in the same transaction: a failure rolls both back. ``rows``: how
    many the block adds (a big load sorts the keys in threads, ``_sorting_threads``)."""
    if not active:
        yield
        return
    indexes = secondary_indexes(table)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        if connection.vendor == "postgresql":
            # The insert's deferred foreign-key checks must run before an index is built.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with _sorting_threads(cursor, rows):
            for _, create in indexes:
                cursor.execute(create)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _iso(value) -> str:
    """A date column's value as ISO text (SQLite stores text, PostgreSQL returns dates)."""
    return value if isinstance(value, str) else value.isoformat()


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())
