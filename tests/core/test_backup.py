"""``huifang backup`` / ``huifang restore`` on the embedded SQLite database: the restore
drill (backup → change and destroy → restore → the same rows), and the files a restore
refuses. On PostgreSQL both commands point to pg_dump / pg_restore."""

from __future__ import annotations

import io
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from huifang.core import backup
from huifang.core.models import AuditEvent
from huifang.customers.models import Customer
from tests.customers import factories

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def schema_file(path, migrations) -> None:
    """A SQLite file holding only ``django_migrations`` with ``migrations`` applied."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE django_migrations (app TEXT, name TEXT, applied TEXT)")
        db.executemany(
            "INSERT INTO django_migrations VALUES (?, ?, '2026-01-01')", sorted(migrations)
        )
    db.close()


def test_the_restore_drill_brings_back_exactly_the_backed_up_rows(branches, tmp_path):
    """Backup through the command, then a restore over a working copy that changed and
    lost rows since (a file database, as in production: the test database is in memory)."""
    factories.customer("0500000001", branches["a1"], name="留存客户")
    target = tmp_path / "backup.sqlite3"
    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="pg_dump"):
            run("backup", str(target))
        return
    run("backup", str(target))
    counts = (Customer.objects.count(), AuditEvent.objects.count())
    assert AuditEvent.objects.order_by("-pk").first().action == "backup"
    working = tmp_path / "working.sqlite3"
    backup.backup(working)
    db = sqlite3.connect(working)
    with db:  # what happened after the backup: a row changed, rows lost
        db.execute("UPDATE customers_customer SET name = '被改动'")
        db.execute("DELETE FROM customers_customer")
    backup.restore(target, into=db)
    restored = (
        db.execute("SELECT COUNT(*) FROM customers_customer").fetchone()[0],
        db.execute("SELECT COUNT(*) FROM core_auditevent").fetchone()[0],
    )
    names = {n for (n,) in db.execute("SELECT name FROM customers_customer")}
    db.close()
    assert restored == counts and "留存客户" in names and "被改动" not in names


def test_a_backup_of_another_schema_version_is_refused(tmp_path):
    path = tmp_path / "old.sqlite3"
    code = backup._code_migrations()
    schema_file(path, code - {max(code)})
    with pytest.raises(backup.BackupError, match="结构版本与当前程序不一致"):
        backup.check(path)


def test_a_backup_of_this_schema_version_passes_the_check(tmp_path):
    path = tmp_path / "same.sqlite3"
    schema_file(path, backup._code_migrations())
    backup.check(path).close()


def test_a_file_that_is_no_database_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("这不是数据库", encoding="utf-8")
    with pytest.raises(CommandError, match="不是 SQLite 数据库文件"):
        run("restore", str(path), "--yes")


def test_restore_asks_for_yes_and_changes_nothing(tmp_path):
    path = tmp_path / "same.sqlite3"
    schema_file(path, backup._code_migrations())
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="--yes"):
        run("restore", str(path))
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_directory_in_the_backups_place_is_refused_and_nothing_is_audited(tmp_path, force):
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=f"备份文件是一个已存在的目录：{tmp_path}$"):
        run("backup", str(tmp_path), *force)
    assert AuditEvent.objects.count() == before
