"""Migration helpers shared by the apps' migrations."""

from __future__ import annotations

from django.db import migrations


def without_indexes(state_operations: list, indexes: list[tuple[str, str, str]]):
    """``state_operations`` (AlterField … ``db_index=False``) applied to the models only,
    with the database change done by name: ``DROP INDEX`` of each (index, table, column).

    On SQLite Django would apply such an AlterField by copying the whole table — minutes
    for a million customers or a large audit log — where dropping the index is instant.
    PostgreSQL's ``…_like`` companion of a text column's index goes too. Reversible."""

    def drop(apps, schema_editor):
        quote = schema_editor.quote_name
        for name, _table, _column in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name + '_like')}")

    def create(apps, schema_editor):
        quote = schema_editor.quote_name
        for name, table, column in indexes:
            schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")

    return migrations.SeparateDatabaseAndState(
        state_operations=state_operations,
        database_operations=[migrations.RunPython(drop, create)],
    )


# The audit table is append-only in the database too: triggers refuse UPDATE and DELETE
# (and, on PostgreSQL, TRUNCATE) whatever the client — the ORM's private paths, a shell,
# raw SQL. On SQLite, a migration that makes Django rebuild ``core_auditevent`` (most
# AlterField/AddField there copy the table) drops its triggers: such a migration must end
# with ``append_only_audit()`` again (tests/core/test_audit_append_only.py checks they
# exist after all migrations).
AUDIT_TABLE = "core_auditevent"
SQLITE_TRIGGERS = {
    "core_auditevent_no_update": ("UPDATE", "审计日志只能追加，不能修改"),
    "core_auditevent_no_delete": ("DELETE", "审计日志只能追加，不能删除"),
}
POSTGRES_FUNCTION = "huifang_audit_append_only"
POSTGRES_TRIGGERS = {
    "core_auditevent_append_only": "BEFORE UPDATE OR DELETE ON core_auditevent FOR EACH ROW",
    "core_auditevent_no_truncate": "BEFORE TRUNCATE ON core_auditevent FOR EACH STATEMENT",
}


def create_audit_triggers(connection, execute) -> None:
    """The triggers, through ``execute(sql)``; other databases get none."""
    if connection.vendor == "sqlite":
        for name, (event, message) in SQLITE_TRIGGERS.items():
            execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {AUDIT_TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    elif connection.vendor == "postgresql":
        execute(
            f"CREATE OR REPLACE FUNCTION {POSTGRES_FUNCTION}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', "
            "MESSAGE = '审计日志只能追加，不能' "
            "|| CASE TG_OP WHEN 'UPDATE' THEN '修改' ELSE '删除' END; END $$"
        )
        for name, when in POSTGRES_TRIGGERS.items():
            execute(f"DROP TRIGGER IF EXISTS {name} ON {AUDIT_TABLE}")
            execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {POSTGRES_FUNCTION}()")


def drop_audit_triggers(connection, execute) -> None:
    if connection.vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")
    elif connection.vendor == "postgresql":
        for name in POSTGRES_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name} ON {AUDIT_TABLE}")
        execute(f"DROP FUNCTION IF EXISTS {POSTGRES_FUNCTION}()")


def append_only_audit() -> migrations.RunPython:
    """The migration operation creating the audit table's triggers (reversible)."""

    def create(apps, schema_editor):
        create_audit_triggers(schema_editor.connection, schema_editor.execute)

    def drop(apps, schema_editor):
        drop_audit_triggers(schema_editor.connection, schema_editor.execute)

    return migrations.RunPython(create, drop)
