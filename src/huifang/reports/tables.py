"""Columns of the 管理措施 list and the 措施类型 dictionary."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone

from huifang.core.columns import NAME, WRAP, DateColumn, DateTimeColumn, UserColumn, permitted_link
from huifang.reports.compliance import finding_title
from huifang.reports.models import Measure, MeasureType


def _row_class(record: Measure, table) -> str:
    return "table-danger" if record.is_overdue(table.today) else ""


MEASURE_COLUMNS = [
    "number",
    "investor_code",
    "customer_name",
    "branch",
    "measure_type",
    "status",
    # The deadline beside the status: on a narrow screen with long names the last columns
    # scroll out of sight, and whether a measure is late must not be among them.
    "due_date",
    "overdue",
    "reason",
    "source",
    "responsible",
    "result",
    "created_at",
]


class MeasureTable(tables.Table):
    number = tables.LinkColumn(
        "reports:measure_detail", args=[tables.A("pk")], accessor="pk", verbose_name="编号"
    )
    investor_code = tables.Column(
        accessor="customer__investor_code",
        verbose_name="投资者代码",
        order_by="customer__investor_code",
    )
    customer_name = tables.Column(accessor="customer__name", verbose_name="投资者名称", attrs=NAME)
    branch = tables.Column(
        accessor="branch__name", verbose_name="部门", order_by="branch__path", attrs=NAME
    )
    measure_type = tables.Column(
        accessor="measure_type__name", verbose_name="措施类型", order_by="measure_type__name"
    )
    status = tables.Column(verbose_name="状态")
    reason = tables.Column(verbose_name="措施原因", attrs=WRAP)
    source = tables.Column(accessor="pk", verbose_name="来源", orderable=False, attrs=WRAP)
    responsible = UserColumn("responsible", verbose_name="负责人")
    due_date = DateColumn(verbose_name="完成期限")
    overdue = tables.Column(accessor="pk", verbose_name="逾期", orderable=False)
    result = tables.Column(verbose_name="执行结果", attrs=WRAP)
    created_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="创建时间")

    # What fits a 1366-px screen; 执行结果 and 创建时间 are under 显示列 (and exported).
    default_columns = [c for c in MEASURE_COLUMNS if c not in ("result", "created_at")]

    class Meta:
        model = Measure
        fields = MEASURE_COLUMNS
        sequence = MEASURE_COLUMNS
        order_by = "-created_at"
        empty_text = "没有符合条件的管理措施"
        row_attrs = {"class": _row_class}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def render_status(self, record: Measure) -> str:
        return record.get_status_display()

    def value_status(self, record: Measure) -> str:
        return record.get_status_display()

    def render_source(self, record: Measure) -> str:
        return source_text(record)

    def value_source(self, record: Measure) -> str:
        return source_text(record)

    def render_overdue(self, record: Measure) -> str:
        return "逾期" if record.is_overdue(self.today) else ""

    def value_overdue(self, record: Measure) -> str:
        return "是" if record.is_overdue(self.today) else "否"


def source_text(measure: Measure) -> str:
    """What prompted the measure, in words (任务 #12、记录 #30、反馈 #4、合规核查“…”)."""
    parts = []
    if measure.task_id:
        parts.append(f"任务 #{measure.task_id}")
    if measure.record_id:
        parts.append(f"回访记录 #{measure.record_id}")
    if measure.feedback_id:
        parts.append(f"营业部反馈 #{measure.feedback_id}")
    if measure.finding:
        parts.append(f"合规核查“{finding_title(measure.finding)}”")
    return "、".join(parts) or "—"


class MeasureTypeTable(tables.Table):
    name = tables.Column(
        verbose_name="措施类型",
        linkify=permitted_link("reports:type_edit", "reports.change_measuretype"),
    )

    class Meta:
        model = MeasureType
        fields = ["name", "is_active", "sort_order", "updated_at"]
        empty_text = "没有措施类型"
