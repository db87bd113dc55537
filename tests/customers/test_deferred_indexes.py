"""A load that at least doubles the customers table builds its secondary indexes after the
insert (docs/performance.md), leaving exactly the indexes the migrations made; and the
single-column indexes that a composite index already serves are gone."""

import pytest
from django.db import connection, transaction

from huifang.core.models import AuditEvent
from huifang.customers.importers import import_rows, staging
from huifang.customers.importers.targets import TARGETS
from huifang.customers.models import Customer

from .conftest import CUSTOMER_HEADER, CUSTOMER_ROWS

TABLE = Customer._meta.db_table


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, c in constraints.items() if c["index"] and not c["unique"]}


def rows():
    return [dict(zip(CUSTOMER_HEADER, row, strict=True)) for row in CUSTOMER_ROWS]


def test_indexes_are_absent_inside_the_block_and_recreated_identically_after(db):
    before = staging.secondary_indexes(TABLE)
    assert len(before) >= 9
    with transaction.atomic():
        with staging.deferred_indexes(TABLE):
            assert staging.secondary_indexes(TABLE) == []
        assert staging.secondary_indexes(TABLE) == before


def test_a_failure_inside_the_block_leaves_the_indexes_in_place(db):
    before = staging.secondary_indexes(TABLE)
    with pytest.raises(RuntimeError), transaction.atomic():
        with staging.deferred_indexes(TABLE):
            raise RuntimeError("the insert failed")
    assert staging.secondary_indexes(TABLE) == before


def test_a_first_load_rebuilds_the_indexes_and_a_small_update_does_not(branches, monkeypatch):
    rebuilt = []
    original = staging.deferred_indexes

    def spy(table, active=True, rows=0):
        rebuilt.append(active)
        return original(table, active, rows)

    monkeypatch.setattr(staging, "deferred_indexes", spy)
    monkeypatch.setattr(staging, "DEFER_INDEXES_FROM", 2)
    before = staging.secondary_indexes(TABLE)
    assert import_rows("customers", rows()[:2]).created == 2  # into an empty table
    assert import_rows("customers", rows()).created == 1  # 1 new next to 2 held
    assert rebuilt == [True, False]
    assert staging.secondary_indexes(TABLE) == before
    assert Customer.objects.count() == 3


def test_no_single_column_index_beside_a_composite_that_starts_with_it(db):
    assert "customers_customer_branch_id_6f75e537" not in index_names(TABLE)
    audit = index_names(AuditEvent._meta.db_table)
    assert "core_auditevent_user_id_2b330de8" not in audit
    assert "core_auditevent_object_type_e0bee35e" not in audit
    assert "core_audite_object__bbabc4_idx" in audit  # (object_type, object_id) stays


def pragma(name: str):
    """A SQLite setting, read on the raw connection (past any execute wrapper)."""
    connection.ensure_connection()
    return connection.connection.execute(f"PRAGMA {name}").fetchone()[0]


def settings_at(statement: str, names: tuple[str, ...], block) -> tuple[list, list[str]]:
    """Run ``block``; the SQLite settings ``names`` as each statement starting with
    ``statement`` began, and every statement run (PostgreSQL: the settings are not read)."""
    seen, statements = [], []

    def watch(execute, sql, params, many, context):
        statements.append(sql)
        if sql.startswith(statement) and connection.vendor == "sqlite":
            seen.append(tuple(pragma(name) for name in names))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        block()
    return seen, statements


def build(rows: int):
    def block():
        with transaction.atomic(), staging.deferred_indexes(TABLE, rows=rows):
            pass

    return block


def test_a_big_load_sorts_the_index_keys_in_sqlite_worker_threads(db, settings):
    """A big load's indexes are built with SQLite's sorter threads (one per import process)
    and small sorted runs (the page cache's size); the settings come back after. PostgreSQL
    builds them as before."""
    settings.IMPORT_PROCESSES = 2
    before = staging.secondary_indexes(TABLE)
    names = ("threads", "cache_size")
    if connection.vendor == "sqlite":
        was = tuple(pragma(name) for name in names)
    seen, statements = settings_at("CREATE INDEX", names, build(staging.SORT_IN_THREADS_FROM))
    assert staging.secondary_indexes(TABLE) == before
    if connection.vendor != "sqlite":
        assert not [sql for sql in statements if sql.startswith("PRAGMA")]
        return
    assert seen == [(2, -staging.SORTER_KIB)] * len(before)
    assert tuple(pragma(name) for name in names) == was


@pytest.mark.parametrize(
    ("processes", "rows"),
    [(1, staging.SORT_IN_THREADS_FROM), (2, staging.SORT_IN_THREADS_FROM - 1)],
)
def test_one_import_process_or_a_smaller_load_sorts_as_before(db, settings, processes, rows):
    settings.IMPORT_PROCESSES = processes
    before = staging.secondary_indexes(TABLE)
    seen, statements = settings_at("CREATE INDEX", ("threads", "cache_size"), build(rows))
    assert not [sql for sql in statements if sql.startswith("PRAGMA")]
    assert len([sql for sql in statements if sql.startswith("CREATE INDEX")]) == len(before)
    if connection.vendor == "sqlite":
        assert set(seen) == {(0, pragma("cache_size"))}


def test_the_stage_is_dropped_without_zeroing_its_sqlite_scratch_pages(db):
    """The stage is a temporary table: on SQLite its pages are freed without being
    overwritten first (``secure_delete`` off for the temporary schema during the drop only);
    the main database keeps its own setting."""
    names = ("main.secure_delete", "temp.secure_delete")
    stage = staging.Stage(TARGETS["customers"])
    stage.create()
    if connection.vendor == "sqlite":
        main, temp = (pragma(name) for name in names)
    seen, statements = settings_at("DROP TABLE", names, stage.drop)
    assert [sql for sql in statements if sql.startswith("DROP TABLE")] == [
        f"DROP TABLE IF EXISTS {stage.target.stage}"
    ]
    if connection.vendor == "sqlite":
        assert seen == [(main, 0)]
        assert tuple(pragma(name) for name in names) == (main, temp)
