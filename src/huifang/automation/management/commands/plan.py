"""``huifang plan list|run NAME [--date D]|tick`` — 回访计划 from the command line.

``run`` runs one reference date of a plan now (default: its latest reference date up to
today), exactly once. The last line is the batch number, or, for a plan that waits for
approval, the screening run's id. A date already run is not run again: like ``huifang
batch create`` run twice, the command says so with what that run made and exits 0 with
the same last line (a failed run is run again; one still 执行中 elsewhere is an error).
``tick`` runs every due occurrence of every enabled plan (what the worker does by itself;
cron may call it instead), makes the 站内消息 reminders that are due, and makes sure the
worker's next checks are queued.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from huifang.automation import schedule, services
from huifang.automation.models import Plan, PlanRun, PlanRunStatus, ReferenceKind
from huifang.automation.tables import last_run_text, next_text
from huifang.core import audit
from huifang.core.dates import parse_day


class Command(BaseCommand):
    help = "回访计划：list 列出计划；run 立即按某基准日执行一次；tick 执行所有到期的计划"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="list|run|tick")
        sub.add_parser("list", help="列出回访计划（最近执行、下次执行）")
        run = sub.add_parser("run", help="立即执行一次；最后一行输出批次号（待审核时为筛选编号）")
        run.add_argument("name", help="计划名称")
        run.add_argument(
            "--date", help="回访基准日（如 2025-12-31）；默认为今天及以前最近的一个基准日"
        )
        sub.add_parser("tick", help="执行所有已到执行时间、尚未执行的基准日（供 cron 调用）")

    def handle(self, *args, **options):
        with audit.acting(label="command:plan"):
            getattr(self, options["action"])(options)

    def list(self, options):
        plans = Plan.objects.select_related("business_type").order_by("name")
        if not plans:
            self.stdout.write("还没有回访计划")
            return
        now = timezone.now()
        self.stdout.write(
            "名称\t基准日与时间\t回访规则\t回访业务类型\t执行方式\t状态\t最近执行\t下次执行"
        )
        for plan in plans:
            cells = [
                plan.name,
                plan.schedule_text,
                plan.rules_text,
                plan.business_type.name,
                plan.get_mode_display(),
                "启用" if plan.enabled else "停用",
                last_run_text(plan),
                next_text(plan, now),
            ]
            self.stdout.write("\t".join(cells))

    def run(self, options):
        plan = Plan.objects.select_related("business_type").filter(name=options["name"]).first()
        if plan is None:
            names = "、".join(Plan.objects.values_list("name", flat=True)) or "无"
            raise CommandError(f"回访计划“{options['name']}”不存在；现有：{names}")
        on = self.date(plan, options.get("date"))
        try:
            plan_run = services.do_run_plan(plan, on=on, actor=None)
        except (ValidationError, PermissionDenied) as exc:
            if self.already_run(plan, on):
                return
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("；".join(messages)) from exc
        self.report(plan_run)

    def already_run(self, plan: Plan, on: datetime.date) -> bool:
        """A date run before (完成, or 待审核 with its screening kept) is not run again: say
        what it made, last line as for a new run (idempotent for scripts)."""
        done = (
            PlanRun.objects.select_related("plan", "screening_run", "batch")
            .filter(plan=plan, occurrence=on)
            .exclude(status__in=(PlanRunStatus.RUNNING, PlanRunStatus.FAILED))
            .first()
        )
        if done is None or services.may_run_again(done):
            return False
        self.stdout.write(
            f"回访计划“{plan.name}”基准日 {on:%Y-%m-%d} 已执行过（{done.get_status_display()}），"
            f"本次未重复执行：{services.produced(done)}"
        )
        self.last_line(done)
        return True

    @staticmethod
    def date(plan: Plan, given: str | None) -> datetime.date:
        if given:
            try:
                return parse_day(given)
            except ValueError as exc:
                raise CommandError(f"--date {exc}") from exc
        if plan.reference_kind == ReferenceKind.FIXED and plan.fixed_date:
            return plan.fixed_date
        today = timezone.localdate()
        days = list(schedule.reference_dates(plan, today - datetime.timedelta(days=400), today))
        if not days:
            raise CommandError("今天及以前一年内没有该计划的基准日，请用 --date 指定")
        return days[-1]

    def report(self, plan_run: PlanRun) -> None:
        if plan_run.status == PlanRunStatus.FAILED:
            raise CommandError(services.outcome(plan_run))
        self.stdout.write(services.outcome(plan_run))
        self.last_line(plan_run)

    def last_line(self, plan_run: PlanRun) -> None:
        if plan_run.status == PlanRunStatus.DONE:
            self.stdout.write(plan_run.batch.number)
        else:
            self.stdout.write(str(plan_run.screening_run.pk))

    def tick(self, options):
        from huifang.automation import reminders
        from huifang.automation.tasks import ensure_notice_tick, ensure_tick

        made = services.tick()
        failed = 0
        for plan_run in made:
            failed += plan_run.status == PlanRunStatus.FAILED
            line = services.outcome(plan_run)
            self.stdout.write(self.style.ERROR(line) if plan_run.status == "failed" else line)
        notices = reminders.run_pass()
        if ensure_tick():
            self.stdout.write("已安排后台任务的下一次检查")
        ensure_notice_tick()
        self.stdout.write(f"生成站内消息 {notices} 条")
        self.stdout.write(f"已执行 {len(made)} 次，其中失败 {failed} 次")
        if failed:
            raise CommandError(f"{failed} 次执行失败，见上")
