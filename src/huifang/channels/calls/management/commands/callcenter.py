"""``huifang callcenter push [--batch N] [--status S] [--out FILE]`` (the call list of open
tasks: the file, and signed pages to the call platform when it has a URL; the file's path
alone on the last line; with no open task it says so, writes nothing and exits 0) and ``huifang callcenter import FILE`` (call results, all or
nothing, idempotent on 呼叫ID + 拨打次数); both audited as the command."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.callbacks.choices import OPEN_STATUSES
from huifang.callbacks.filtersets import OPEN, TaskFilterSet
from huifang.callbacks.models import Batch, CallbackTask
from huifang.channels.calls import services
from huifang.core import audit
from huifang.core.output_files import output_path

PUSHABLE = (OPEN, *OPEN_STATUSES)


class Command(BaseCommand):
    help = "外呼平台：push（推送外呼名单）/ import（导入外呼结果文件）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        push = sub.add_parser("push", help="推送未完成任务的外呼名单（文件，及签名推送给外呼平台）")
        push.add_argument("--batch", help="批次号")
        push.add_argument("--status", help="处理状态：未处理/处理中/未完成（默认未完成）")
        push.add_argument("--out", help="外呼名单文件（.csv 或 .xlsx），默认写入数据目录")
        imp = sub.add_parser("import", help="导入外呼结果文件（CSV/XLSX，全部成功才写入）")
        imp.add_argument("file", help="外呼结果文件")

    def handle(self, *args, action, **options):
        with audit.acting(label=f"command:callcenter {action}"):
            try:
                getattr(self, f"run_{action}")(**options)
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc

    def run_push(self, *, batch=None, status=None, out=None, **options):
        from huifang.callbacks.management.commands.export import _status_value

        data = {"status": OPEN}
        if batch:
            if not Batch.objects.filter(number=batch.strip()).exists():
                raise CommandError(f"批次 {batch} 不存在")
            data["batch"] = batch.strip()
        if status:
            data["status"] = _status_value(status)
            if data["status"] not in PUSHABLE:
                raise CommandError(
                    f"外呼名单只含未完成的任务：--status 可选 未处理、处理中、未完成，不能是“{status}”"
                )
        if out:
            output_path(out)
        filterset = TaskFilterSet(data=data, queryset=CallbackTask.objects.all())
        if not filterset.is_valid():
            raise CommandError(f"筛选条件有误：{filterset.errors.as_text()}")
        filters = "&".join(f"{k}={v}" for k, v in data.items())
        try:
            push = services.do_push(filterset.qs, actor=None, out=out, filters=filters)
        except services.NothingToPush:
            # Nothing open to call is no failure for cron: say so, write nothing, exit 0.
            self.stdout.write("没有可推送的未完成回访任务，本次未推送外呼名单（0 条）")
            return
        self.stdout.write(f"已推送外呼名单 {push.count} 条，推送给外呼平台 {push.pages} 页")
        self.stdout.write(push.file)

    def run_import(self, *, file, **options):
        if not Path(file).is_file():
            raise CommandError(f"文件不存在：{file}")
        counts = services.do_import_calls(file, actor=None)
        self.stdout.write(
            f"已导入 {counts['rows']} 行：新增 {counts['created']} 条外呼记录，"
            f"跳过已有 {counts['skipped']} 条，登记回访记录 {counts['records']} 条"
        )
