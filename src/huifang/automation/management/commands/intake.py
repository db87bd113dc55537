"""``huifang intake run [--dataset D]|list [--limit N]`` — 自动导入 from the command line.

``run`` makes one pass over the drop folders (系统管理 → 导入目录, else ``HUIFANG_INTAKE_DIR``),
as the worker does every minute: one line per file taken (file, status, counts), exit status
1 when any was refused or failed. ``list`` shows the latest runs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from huifang.automation import intake
from huifang.automation.models import IntakeRun, IntakeStatus
from huifang.automation.tables import counts_text
from huifang.core import audit, liveness


class Command(BaseCommand):
    help = "自动导入：run 立即检查一次导入目录并导入其中的文件；list 列出最近的自动导入"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="run|list")
        run = sub.add_parser("run", help="检查一次导入目录，每个导入的文件输出一行")
        run.add_argument("--dataset", choices=intake.DATASETS, help="只检查该数据集的目录")
        listing = sub.add_parser("list", help="列出最近的自动导入")
        listing.add_argument("--limit", type=int, default=20, help="显示条数（默认 20）")

    def handle(self, *args, **options):
        with audit.acting(label="command:intake"):
            getattr(self, options["action"])(options)

    def run(self, options):
        if not intake.enabled():
            raise CommandError(
                "没有启用的导入目录（系统管理 → 导入目录，或 HUIFANG_INTAKE_DIR），自动导入未启用"
            )
        liveness.recover()  # runs and imports a killed process left "running"
        runs = intake.run_pass(dataset=options.get("dataset"))
        failed = 0
        for run in runs:
            line = intake.outcome(run)
            if run.status == IntakeStatus.APPLIED:
                self.stdout.write(line)
            else:
                failed += 1
                self.stdout.write(self.style.ERROR(line))
        self.stdout.write(f"已处理 {len(runs)} 个文件，其中未导入 {failed} 个")
        if failed:
            raise CommandError(f"{failed} 个文件未导入，已移至 failed/，见上")

    def list(self, options):
        runs = IntakeRun.objects.select_related("import_record")[: max(options["limit"], 1)]
        if not runs:
            self.stdout.write("还没有自动导入记录")
            return
        self.stdout.write("开始时间\t数据集\t文件名\t状态\t行数\t导入记录\t移至\t说明")
        for run in runs:
            cells = [
                f"{timezone.localtime(run.started_at):%Y-%m-%d %H:%M:%S}",
                run.get_dataset_display(),
                run.file_name,
                run.get_status_display(),
                counts_text(run),
                f"#{run.import_record_id}" if run.import_record_id else "—",
                run.moved_to or "—",
                run.error or "",
            ]
            self.stdout.write("\t".join(cells))
