"""Online backup and restore of the embedded SQLite database: ``huifang backup FILE`` and
``huifang restore FILE --yes`` (docs/operators.md). PostgreSQL has its own tools (pg_dump,
pg_restore): both functions refuse it with a message saying so.

A backup is SQLite's online backup (consistent while the server runs and writes, the WAL
included) into a temporary file beside ``FILE``, checked (``integrity_check``) and only
then moved into place; it carries the audit row of its own making. A restore first opens
the file read-only and refuses anything that is not an intact Huifang database of exactly
this program's schema (the same migrations applied as the code has), then copies it over
the live database page by page with the same API, and records the restore in the audit
log it brought back.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from huifang.core import audit
from huifang.core.actors import Actor
from huifang.core.audit_actions import CoreAction

HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore refused; the message is Chinese and says why."""


def _live() -> sqlite3.Connection:
    if connection.vendor != "sqlite":
        raise BackupError(
            "当前数据库是 PostgreSQL：请用 pg_dump / pg_restore 备份和恢复（见 docs/operators.md）"
        )
    connection.ensure_connection()
    return connection.connection


def _code_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _tables(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


def backup(path: str | Path, *, force: bool = False) -> dict:
    """Write the live database to ``path``; returns ``{"path", "bytes", "tables"}``."""
    target = Path(path)
    if target.is_dir():  # --force cannot replace a directory: refused before the audit row
        raise BackupError(f"备份文件是一个已存在的目录：{target}")
    live = _live()
    if target.exists() and not force:
        raise BackupError(f"文件 {target} 已存在；覆盖请加 --force")
    if not target.parent.is_dir():
        raise BackupError(f"目录 {target.parent} 不存在")
    audit.record(
        CoreAction.BACKUP,
        object_type="database",
        object_id="default",
        object_repr="数据库",
        message=f"备份数据库到 {target.name}",
        actor=Actor.command("backup"),
    )
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with sqlite3.connect(partial) as out:
            live.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            if out.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("备份文件校验未通过，未生成备份")
            tables = _tables(out)
        out.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return {"path": str(target), "bytes": target.stat().st_size, "tables": tables}


def check(path: str | Path) -> sqlite3.Connection:
    """The backup at ``path`` opened read-only, once it is known to be an intact Huifang
    database of this program's schema; else :class:`BackupError`."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"备份文件 {source} 不存在")
    with source.open("rb") as handle:
        if handle.read(len(HEADER)) != HEADER:
            raise BackupError(f"{source.name} 不是 SQLite 数据库文件，不能恢复")
    db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{source.name} 已损坏（完整性校验未通过），不能恢复")
        try:
            applied = set(db.execute("SELECT app, name FROM django_migrations").fetchall())
        except sqlite3.DatabaseError:
            raise BackupError(f"{source.name} 不是回访系统的数据库，不能恢复") from None
        code = _code_migrations()
        missing, extra = sorted(code - applied), sorted(applied - code)
        if missing or extra:
            detail = "；".join(
                part
                for part in (
                    "备份缺少迁移 " + "、".join(f"{a}.{n}" for a, n in missing[:3])
                    if missing
                    else "",
                    "备份多出迁移 " + "、".join(f"{a}.{n}" for a, n in extra[:3]) if extra else "",
                )
                if part
            )
            raise BackupError(
                f"{source.name} 的数据库结构版本与当前程序不一致（{detail}），不能恢复；"
                "请用生成该备份的程序版本恢复，再升级"
            )
    except BackupError:
        db.close()
        raise
    return db


def restore(path: str | Path, *, into: sqlite3.Connection | None = None) -> dict:
    """Replace the live database (or the SQLite connection ``into``) with the backup at
    ``path`` (checked first); returns ``{"tables"}``. A restore of the live database is
    audited in the restored database."""
    source = check(path)  # the file's own problem first, whatever the database
    try:
        live = _live() if into is None else into
        source.backup(live)
        tables = _tables(source)
    finally:
        source.close()
    live.execute("PRAGMA journal_mode=WAL")
    if into is None:
        audit.record(
            CoreAction.RESTORE,
            object_type="database",
            object_id="default",
            object_repr="数据库",
            message=f"从备份 {Path(path).name} 恢复数据库",
            actor=Actor.command("restore"),
        )
    return {"tables": tables}
