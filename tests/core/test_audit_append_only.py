"""The audit log cannot be changed or emptied (issue 19, found when probed: rows could be
altered or removed through ``AuditEvent._base_manager``, ``_raw_delete`` or SQL with no
trace). The ORM refuses every path; the database's triggers refuse raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from huifang.core import audit
from huifang.core.audit_actions import CoreAction
from huifang.core.migration_ops import POSTGRES_TRIGGERS, SQLITE_TRIGGERS
from huifang.core.models import AuditEvent


@pytest.fixture
def event(db):
    return audit.record(CoreAction.DOWNLOAD, object_type="x", message="原文")


def _unchanged(event) -> bool:
    return AuditEvent.objects.filter(pk=event.pk, message="原文").count() == 1


def test_the_base_manager_refuses_updates_and_deletes(event):
    with pytest.raises(PermissionError):
        AuditEvent._base_manager.filter(pk=event.pk).update(message="改")
    with pytest.raises(PermissionError):
        AuditEvent._base_manager.all().delete()
    assert _unchanged(event)


def test_the_querysets_private_write_paths_refuse(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk)._update({"message": "改"})
    event.message = "改"
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["message"])
    assert _unchanged(event)


def _sql(statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_sql_cannot_update_an_audit_row(event):
    with pytest.raises(DatabaseError, match="审计日志只能追加，不能修改"):
        _sql(f"UPDATE core_auditevent SET message = '改' WHERE id = {event.pk}")
    assert _unchanged(event)


def test_sql_cannot_delete_an_audit_row(event):
    with pytest.raises(DatabaseError, match="审计日志只能追加，不能删除"):
        _sql(f"DELETE FROM core_auditevent WHERE id = {event.pk}")
    assert _unchanged(event)


def test_sql_cannot_empty_the_audit_table(event):
    # PostgreSQL's TRUNCATE bypasses row triggers (a statement trigger refuses it);
    # SQLite has no TRUNCATE: an unqualified DELETE is its way of emptying a table.
    if connection.vendor == "postgresql":
        _sql("SET CONSTRAINTS ALL IMMEDIATE")  # the row's own deferred checks, done now
        statement = "TRUNCATE core_auditevent"
    else:
        statement = "DELETE FROM core_auditevent"
    with pytest.raises(DatabaseError, match="审计日志只能追加"):
        _sql(statement)
    assert _unchanged(event)


def test_the_triggers_exist_after_every_migration(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditevent'::regclass"
                " AND NOT tgisinternal"
            )
            expected = set(POSTGRES_TRIGGERS)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'core_auditevent'"
            )
            expected = set(SQLITE_TRIGGERS)
        assert {row[0] for row in cursor.fetchall()} == expected


def test_appending_still_works(event):
    audit.record(CoreAction.DOWNLOAD, object_type="x", message="又一条")
    assert AuditEvent.objects.filter(pk__gt=event.pk, message="又一条").exists()
