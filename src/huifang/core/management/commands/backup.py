"""``huifang backup FILE [--force]``: an online, consistent copy of the embedded SQLite
database (:mod:`huifang.core.backup`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from huifang.core import backup


class Command(BaseCommand):
    help = "备份内置 SQLite 数据库（服务运行中也可执行；PostgreSQL 请用 pg_dump）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件路径，如 var/backup-2026-12-03.sqlite3")
        parser.add_argument("--force", action="store_true", help="文件已存在时覆盖")

    def handle(self, *args, **options):
        try:
            done = backup.backup(options["file"], force=options["force"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已备份：{done['tables']} 张表，{done['bytes']:,} 字节")
        self.stdout.write(done["path"])
