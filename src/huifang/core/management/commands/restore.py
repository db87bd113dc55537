"""``huifang restore FILE --yes``: replace the embedded SQLite database with a backup made
by ``huifang backup`` of the same schema version (:mod:`huifang.core.backup`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from huifang.core import backup


class Command(BaseCommand):
    help = "用备份文件恢复内置 SQLite 数据库（会覆盖当前全部数据；需 --yes 确认）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="huifang backup 生成的备份文件")
        parser.add_argument("--yes", action="store_true", help="确认用备份覆盖当前数据库的全部数据")

    def handle(self, *args, **options):
        if not options["yes"]:
            try:
                backup.check(options["file"]).close()  # a bad file is said before asking
            except backup.BackupError as exc:
                raise CommandError(str(exc)) from exc
            raise CommandError("恢复会用备份文件覆盖当前数据库的全部数据；确认请加 --yes")
        try:
            done = backup.restore(options["file"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已从 {options['file']} 恢复：{done['tables']} 张表")
