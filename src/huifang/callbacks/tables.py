"""Columns of the task list (the brochure's 加入回访名单 table), batches and business types.

The same table feeds the page and its xlsx/csv export; customer columns are read from the
customer (投资者类型, 风险承受能力, 账户状态, 是否休眠) through one join.
"""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from huifang.callbacks.choices import TaskStatus
from huifang.callbacks.models import Batch, BusinessType, CallbackTask
from huifang.core.columns import (
    WRAP,
    ChoiceColumn,
    CountColumn,
    DateColumn,
    DateTimeColumn,
    UserColumn,
    permitted_link,
)
from huifang.customers.choices import CustomerType
from huifang.customers.choices import Status as CustomerStatus


def _row_class(record: CallbackTask, table=None, **kwargs) -> str:
    today = getattr(table, "today", None) or timezone.localdate()
    if record.is_overdue(today):
        return "table-overdue"
    if record.is_open and record.appointment_at and record.appointment_at <= timezone.now():
        return "table-warning"  # 改约时间已到
    return ""


class TaskTable(tables.Table):
    selection = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"data-select-all": "pk", "aria-label": "全选本页"},
            "td__input": {"name": "pk", "form": "bulk-form", "aria-label": "选择"},
        },
        exclude_from_export=True,
    )
    investor_code = tables.LinkColumn(
        "callbacks:task_detail",
        args=[tables.A("pk")],
        accessor="customer__investor_code",
        verbose_name="投资者代码",
        order_by="customer__investor_code",
    )
    customer_name = tables.Column(accessor="customer__name", verbose_name="投资者名称")
    branch_code = tables.Column(accessor="branch__code", verbose_name="部门代码")
    branch = tables.Column(accessor="branch__name", verbose_name="部门", order_by="branch__path")
    customer_type = ChoiceColumn(
        CustomerType,
        accessor="customer__customer_type",
        verbose_name="投资者类型",
        order_by="customer__customer_type",
    )
    risk_level = tables.Column(
        accessor="customer__risk_level", verbose_name="风险承受能力", default=""
    )
    business_type = tables.Column(accessor="business_type__name", verbose_name="回访业务类型")
    reasons = tables.Column(verbose_name="筛选理由", attrs=WRAP)
    account_status = ChoiceColumn(
        CustomerStatus,
        accessor="customer__status",
        verbose_name="账户状态",
        order_by="customer__status",
    )
    dormant = tables.Column(accessor="customer__dormant", verbose_name="是否休眠")
    status = ChoiceColumn(TaskStatus, verbose_name="处理状态")
    batch = tables.Column(accessor="batch__number", verbose_name="批次号")
    deadline = DateColumn(format="Y-m-d", verbose_name="截止日期")
    deadline_provisional = tables.Column(verbose_name="截止日期状态")
    assignee = UserColumn("assignee", verbose_name="回访专员", default="未分配")
    appointment_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="改约时间")

    class Meta:
        model = CallbackTask
        fields = [
            "selection",
            "investor_code",
            "customer_name",
            "branch_code",
            "branch",
            "customer_type",
            "risk_level",
            "business_type",
            "reasons",
            "account_status",
            "dormant",
            "status",
            "batch",
            "deadline",
            "deadline_provisional",
            "assignee",
            "appointment_at",
        ]
        order_by = "-id"
        empty_text = "没有符合条件的回访任务"
        row_attrs = {"class": _row_class}

    export_exclude = ("selection",)
    fixed_columns = ("selection",)
    # What fits a 1366-px screen; the rest is under 显示列 (and in every export).
    default_columns = (
        "investor_code",
        "customer_name",
        "branch",
        "business_type",
        "reasons",
        "status",
        "deadline",
        "assignee",
        "appointment_at",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def order_appointment_at(self, queryset, is_descending: bool):
        """Agreed call-back times first (soonest first), then by deadline."""
        key = F("appointment_at")
        key = key.desc(nulls_last=True) if is_descending else key.asc(nulls_last=True)
        return queryset.order_by(key, "deadline", "id"), True

    def render_risk_level(self, record: CallbackTask) -> str:
        return record.customer.risk_label

    def render_dormant(self, value: bool) -> str:
        return "休眠" if value else "正常"

    def value_risk_level(self, record: CallbackTask) -> str:
        return record.customer.risk_label

    def value_dormant(self, value: bool) -> str:
        return "休眠" if value else "正常"

    def render_deadline(self, value, record: CallbackTask):
        """The date, with the 暂定 badge where it is provisional: 截止日期状态 itself is
        under 显示列, so the default columns must show it too."""
        return deadline_html(record)

    def value_deadline(self, value):
        return value

    def render_deadline_provisional(self, value: bool, record: CallbackTask):
        """暂定: the deadline reaches into a year HQ has not maintained yet."""
        if record.deadline is None:
            return ""
        return deadline_html(record, badge_only=True) if value else "正式"

    def value_deadline_provisional(self, value: bool, record: CallbackTask) -> str:
        return deadline_state(record.deadline, value)


def deadline_html(item, badge_only: bool = False) -> str:
    """截止日期 as every page shows it (``callbacks/_deadline.html``: the 暂定 badge)."""
    context = {"item": item, "badge_only": badge_only}
    return mark_safe(render_to_string("callbacks/_deadline.html", context).strip())


def deadline_state(deadline, provisional: bool) -> str:
    """The export's 截止日期状态: 暂定 or 正式 (empty without a deadline)."""
    if deadline is None:
        return ""
    return "暂定" if provisional else "正式"


class BatchTable(tables.Table):
    number = tables.LinkColumn("callbacks:batch_detail", args=[tables.A("pk")])
    business_type = tables.Column(accessor="business_type__name", verbose_name="回访业务类型")
    run = tables.Column(
        accessor="run_id",
        verbose_name="筛选记录",
        linkify=permitted_link("rules:run_detail", "rules.view_screeningrun", "run_id"),
    )
    created_at = DateTimeColumn(format="Y-m-d H:i:s")
    created_by = UserColumn("created_by", verbose_name="创建人")
    hit_count = CountColumn()
    created_count = CountColumn()
    merged_count = CountColumn()
    skipped_count = CountColumn()
    sample_percent = CountColumn()
    candidate_count = CountColumn()
    sampled_count = CountColumn()

    class Meta:
        model = Batch
        fields = [
            "number",
            "business_type",
            "run",
            "as_of",
            "hit_count",
            "created_count",
            "merged_count",
            "skipped_count",
            "sample_percent",
            "candidate_count",
            "sampled_count",
            "deadline",
            "created_by",
            "created_at",
        ]
        order_by = "-number"
        empty_text = "还没有回访批次"

    default_columns = (
        "number",
        "business_type",
        "run",
        "as_of",
        "hit_count",
        "created_count",
        "merged_count",
        "deadline",
        "created_by",
        "created_at",
    )


class BusinessTypeTable(tables.Table):
    name = tables.Column(
        linkify=permitted_link("callbacks:businesstype_edit", "callbacks.change_businesstype")
    )
    deadline = tables.Column(
        accessor="deadline_text", verbose_name="截止日期规则", orderable=False, attrs=WRAP
    )
    description = tables.Column(verbose_name="说明", attrs=WRAP)
    # A built-in type nobody has changed since it was seeded reads 系统, as rules do.
    updated_by = UserColumn("updated_by", verbose_name="操作员", system=True)
    updated_at = DateTimeColumn(format="Y-m-d H:i:s")

    class Meta:
        model = BusinessType
        fields = [
            "name",
            "description",
            "deadline",
            "sample_percent",
            "max_unanswered_attempts",
            "questionnaire_required",
            "is_active",
            "updated_by",
            "updated_at",
        ]
        order_by = "sort_order"
        empty_text = "没有回访业务类型"
