"""``huifang import branches|customers|daily|products FILE [--skip-invalid] [--user NAME]``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit, liveness
from huifang.core.output_files import input_path
from huifang.customers.importers import DATASETS, import_file


class Command(BaseCommand):
    help = "按标准数据接口导入部门、客户、资金日报或高风险产品（CSV/XLSX），全部成功或全部不写入。"

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=list(DATASETS), help="数据集")
        parser.add_argument("file", help=".csv 或 .xlsx 文件")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="跳过无效行，只导入有效行（默认：有任何无效行则全部不导入）",
        )
        parser.add_argument("--user", help="以该用户身份导入（按其部门范围限制，记入审计日志）")

    def handle(self, *args, dataset: str, file: str, skip_invalid: bool, user=None, **options):
        path = input_path(file)
        actor = self._user(user) if user else None
        liveness.recover()  # imports a killed run left "running", its scratch files
        verbose = options.get("verbosity", 1) >= 2

        def progress(done: int, total: int | None, message: str) -> None:
            if verbose:
                self.stderr.write(f"{message}（{done}{f' / {total}' if total else ''}）")

        with audit.acting(user=actor, label="command:import"):
            try:
                result = import_file(
                    dataset, path, skip_invalid=skip_invalid, actor=actor, progress=progress
                )
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
        for warning in result.warnings:
            self.stderr.write(f"提示：{warning}")
        if not result.ok and result.errors and result.errors[0].row == 0:
            # The file as a whole (unreadable, no header): its reason, not a one-row table.
            raise CommandError(
                f"导入被拒绝，未写入任何数据：{result.errors[0].reason}"
                f"（导入记录 #{result.record.pk}）"
            )
        if result.errors:
            self.stderr.write("行号\t列\t值\t原因")
            for error in result.errors:
                self.stderr.write(f"{error.row}\t{error.column}\t{error.value}\t{error.reason}")
        counts = (
            f"共 {result.total} 行：新增 {result.created}，更新 {result.updated}，"
            f"未变 {result.unchanged}，拒绝 {result.rejected}（导入记录 #{result.record.pk}）"
        )
        if not result.ok:
            # The record's message already says 未写入任何数据 and why.
            raise CommandError(f"导入被拒绝，{result.record.message}。{counts}")
        self.stdout.write(counts)

    def _user(self, username: str):
        from huifang.org.models import User

        try:
            return User.objects.select_related("branch").get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"用户不存在或已停用：{username}") from None
