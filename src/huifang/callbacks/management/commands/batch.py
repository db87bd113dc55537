"""``huifang batch create --run RUN_ID --business-type NAME [--distribute]``: 加入回访名单
from cron (``--distribute``: then 自动分配 the new tasks to the agents on duty)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.callbacks import distribution, services
from huifang.callbacks.models import BusinessType
from huifang.core import audit
from huifang.rules.models import ScreeningRun


class Command(BaseCommand):
    help = "回访批次：create 把已落地的筛选结果加入回访名单（按合并机制生成回访任务）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="create")
        create = sub.add_parser("create", help="把已落地的筛选加入回访名单，最后一行输出批次号")
        create.add_argument("--run", type=int, required=True, help="已落地的筛选记录编号")
        create.add_argument("--business-type", required=True, help="回访业务类型名称")
        create.add_argument(
            "--distribute",
            action="store_true",
            help="生成后按各营业部的分配方式自动分配给今天在岗的回访专员",
        )

    def handle(self, *args, **options):
        if options["action"] == "create":
            self.create(options["run"], options["business_type"], options["distribute"])

    def create(self, run_id: int, type_name: str, distribute: bool = False) -> None:
        run = ScreeningRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"筛选记录 #{run_id} 不存在")
        business_type = BusinessType.objects.filter(name=type_name.strip()).first()
        if business_type is None:
            names = "、".join(BusinessType.objects.values_list("name", flat=True))
            raise CommandError(f"回访业务类型“{type_name}”不存在；可用：{names}")
        with audit.acting(label="command:batch"):
            try:
                result = services.do_create_batch(run, business_type, actor=None)
                shared = (
                    distribution.do_distribute_batch(result.batch, actor=None)
                    if distribute and result.created
                    else None
                )
            except (ValidationError, PermissionDenied) as exc:
                messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                raise CommandError("；".join(messages)) from exc
        batch = result.batch
        if result.created:
            self.stdout.write(
                f"新建任务 {batch.created_count} 条，合并到未完成任务 {batch.merged_count} 条，"
                f"跳过 {batch.skipped_count} 条（命中 {batch.hit_count} 人，"
                f"耗时 {batch.seconds:.1f} 秒）"
            )
            if batch.sample_percent < 100:
                self.stdout.write(batch.sample_text)
        else:
            self.stdout.write(
                f"筛选 #{run.pk} 已按“{business_type.name}”加入过回访名单，未新建任务："
                f"新建任务 0 条，合并到未完成任务 0 条"
            )
        if shared is not None:
            self.stdout.write(distribution.batch_summary(shared))
        self.stdout.write(batch.number)
