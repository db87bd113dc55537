"""Columns of the 回访计划 list and of the 自动导入 runs."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import django_tables2 as tables
from django.utils import timezone

from huifang.automation import schedule
from huifang.automation.models import IntakeRun, Plan, PlanRun
from huifang.core.columns import BooleanColumn, DateTimeColumn, UserColumn


class PlanTable(tables.Table):
    name = tables.LinkColumn(
        "automation:plan_detail", args=[tables.A("pk")], verbose_name="计划名称"
    )
    schedule = tables.Column(
        accessor="schedule_text", verbose_name="回访基准日 / 执行时间", orderable=False
    )
    rules = tables.Column(accessor="rules_text", verbose_name="回访规则", orderable=False)
    business_type = tables.Column(accessor="business_type__name", verbose_name="回访业务类型")
    mode = tables.Column(verbose_name="执行方式")
    enabled = BooleanColumn(verbose_name="启用")
    last_run = tables.Column(accessor="pk", verbose_name="最近执行", orderable=False)
    next_occurrence = tables.Column(accessor="pk", verbose_name="下次执行", orderable=False)
    updated_by = UserColumn("updated_by", verbose_name="操作员")
    updated_at = DateTimeColumn(verbose_name="修改时间")

    class Meta:
        model = Plan
        fields = [
            "name",
            "schedule",
            "rules",
            "business_type",
            "mode",
            "enabled",
            "last_run",
            "next_occurrence",
            "updated_by",
            "updated_at",
        ]
        empty_text = "没有回访计划"

    # The rest under 显示列 (and in exports).
    default_columns = (
        "name",
        "schedule",
        "business_type",
        "mode",
        "enabled",
        "last_run",
        "next_occurrence",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = timezone.now()

    def render_last_run(self, record: Plan) -> str:
        return last_run_text(record)

    def value_last_run(self, record: Plan) -> str:
        return last_run_text(record)

    def render_next_occurrence(self, record: Plan) -> str:
        return next_text(record, self.now)

    def value_next_occurrence(self, record: Plan) -> str:
        return next_text(record, self.now)


def last_run_text(plan: Plan) -> str:
    last = PlanRun.objects.filter(plan=plan).order_by("-started_at", "-pk").first()
    if last is None:
        return "—"
    return f"{last.occurrence:%Y-%m-%d} {last.get_status_display()}"


def next_text(plan: Plan, now) -> str:
    day = schedule.next_occurrence(plan, now)
    if day is None:
        return "—"
    return f"{timezone.localtime(schedule.moment(plan, day)):%Y-%m-%d %H:%M}"


class IntakeRunTable(tables.Table):
    """The 自动导入 page's runs: one row per file taken from a drop folder."""

    started_at = DateTimeColumn(verbose_name="开始时间")
    import_record = tables.LinkColumn(
        "imports:record_detail",
        args=[tables.A("import_record_id")],
        accessor="import_record_id",
        verbose_name="导入记录",
        text=lambda record: f"#{record.import_record_id}",
        default="—",
    )
    counts = tables.Column(accessor="pk", verbose_name="行数", orderable=False)
    finished_at = DateTimeColumn(verbose_name="结束时间")

    class Meta:
        model = IntakeRun
        fields = [
            "started_at",
            "dataset",
            "file_name",
            "status",
            "import_record",
            "counts",
            "error",
            "moved_to",
            "report_path",
            "finished_at",
            "checksum",
            "size",
            "source",
        ]
        empty_text = "尚无自动导入记录"
        row_attrs = {"data-run": lambda record: record.pk}

    default_columns = (
        "started_at",
        "dataset",
        "file_name",
        "status",
        "import_record",
        "counts",
        "error",
        "moved_to",
    )

    def render_moved_to(self, value: str) -> str:
        return short_path(value, self.folders)

    def render_report_path(self, value: str) -> str:
        return short_path(value, self.folders)

    @cached_property
    def folders(self) -> list[Path]:
        """The drop folders in force (read once per page)."""
        from huifang.automation import intake_folders

        return [f.path for f in intake_folders.effective() if f.path is not None]

    def render_counts(self, record: IntakeRun) -> str:
        return counts_text(record)

    def value_counts(self, record: IntakeRun) -> str:
        return counts_text(record)


def short_path(value: str, folders: list[Path]) -> str:
    """A path in one of the drop folders ``folders`` as the page shows it, from the folder's
    own name on (``daily/done/a.csv``); exports, and a path in none of them, keep it whole."""
    if not value:
        return value
    path = Path(value)
    for base in folders:
        if base in path.parents:
            return str(path.relative_to(base.parent))
    return value


def counts_text(intake: IntakeRun) -> str:
    record = intake.import_record
    if record is None:
        return "—"
    return (
        f"共 {record.total_rows}：新增 {record.created}，更新 {record.updated}，"
        f"未变 {record.unchanged}，拒绝 {record.rejected}"
    )
