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
