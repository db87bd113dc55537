"""``huifang sms send (--batch N | --task ID) --template CODE [--force]`` queues messages
and prints the queued / held / skipped counts; ``huifang sms templates`` lists templates;
``huifang sms drain`` sends what is due now (the worker does it too)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from huifang.callbacks.models import Batch, CallbackTask, TaskBatch
from huifang.channels.sms import sending, services
from huifang.channels.sms.models import SmsTemplate
from huifang.core import audit


class Command(BaseCommand):
    help = "短信：send（按批次或任务发送）/ templates（列出模板）/ drain（立即发送到期短信）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="向批次或任务的客户发送短信")
        which = send.add_mutually_exclusive_group(required=True)
        which.add_argument("--batch", help="批次号（该批次的未完成任务）")
        which.add_argument("--task", type=int, help="回访任务 ID")
        send.add_argument("--template", required=True, help="短信模板编号")
        send.add_argument("--force", action="store_true", help="今日已发送同一模板也再发")
        sub.add_parser("templates", help="列出短信模板")
        sub.add_parser("drain", help="立即发送到期的短信")

    def handle(self, *args, action, **options):
        with audit.acting(label=f"command:sms {action}"):
            try:
                getattr(self, f"run_{action}")(**options)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc

    def run_send(self, *, batch, task, template, force, **options):
        chosen = SmsTemplate.objects.filter(code=template).first()
        if chosen is None:
            raise CommandError(f"短信模板 {template} 不存在")
        if task is not None:
            tasks = CallbackTask.objects.filter(pk=task)
            if not tasks.exists():
                raise CommandError(f"回访任务 {task} 不存在")
        else:
            if not Batch.objects.filter(number=batch).exists():
                raise CommandError(f"批次 {batch} 不存在")
            linked = TaskBatch.objects.filter(batch__number=batch).values("task")
            tasks = CallbackTask.objects.filter(Q(batch__number=batch) | Q(pk__in=linked)).open()
        result = services.do_queue(tasks, chosen, force=force)
        for reason in services.REASONS:
            if result.skipped[reason]:
                self.stdout.write(f"跳过（{reason}）: {result.skipped[reason]}")
        self.stdout.write(f"queued={result.queued}")
        self.stdout.write(f"held={result.held}")
        self.stdout.write(f"skipped={result.skipped_count}")

    def run_templates(self, **options):
        rows = SmsTemplate.objects.order_by("code")
        if not rows:
            self.stdout.write("还没有短信模板")
        for t in rows:
            state = "启用" if t.enabled else "停用"
            self.stdout.write(f"{t.code}\t{t.name}\t{state}\t{t.signature}{t.text}")

    def run_drain(self, **options):
        self.stdout.write(f"sent={sending.drain()}")
