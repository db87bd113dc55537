"""限制名单 for the back office: every open (待执行/执行中) 限制开仓, 限制出金 or
重新适当性评估 measure, one row each, so the trading system can act on it.

The file's format is fixed (``docs/users.md``, 第五步): 投资者代码, 投资者名称, 部门代码,
限制类型, 措施编号, 状态, 登记日期, 完成期限 — sorted by 投资者代码 then 措施编号.
"""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import QuerySet
from django.utils import timezone

from huifang.reports.choices import OPEN_MEASURE_STATUSES, RESTRICTING_TYPES
from huifang.reports.models import Measure

HEADER = [
    "投资者代码",
    "投资者名称",
    "部门代码",
    "限制类型",
    "措施编号",
    "状态",
    "登记日期",
    "完成期限",
]


def restricted(measures: QuerySet) -> QuerySet:
    return measures.filter(
        status__in=OPEN_MEASURE_STATUSES, measure_type__name__in=RESTRICTING_TYPES
    ).order_by("customer__investor_code", "pk")


def row(m: Measure) -> list:
    return [
        m.customer.investor_code,
        m.customer.name,
        m.branch.code,
        m.measure_type.name,
        m.pk,
        m.get_status_display(),
        timezone.localtime(m.created_at).date(),
        m.due_date,
    ]


def sheet(measures) -> tuple[list[str], list[list]]:
    """The fixed format, for the page's export and ``huifang report restrictions``."""
    return HEADER, (row(m) for m in measures)


class RestrictionTable(tables.Table):
    investor_code = tables.Column(
        accessor="customer__investor_code", verbose_name="投资者代码", orderable=False
    )
    customer_name = tables.Column(
        accessor="customer__name", verbose_name="投资者名称", orderable=False
    )
    branch_code = tables.Column(accessor="branch__code", verbose_name="部门代码", orderable=False)
    measure_type = tables.Column(
        accessor="measure_type__name", verbose_name="限制类型", orderable=False
    )
    number = tables.LinkColumn(
        "reports:measure_detail",
        args=[tables.A("pk")],
        accessor="pk",
        verbose_name="措施编号",
        orderable=False,
    )
    status = tables.Column(verbose_name="状态", orderable=False)
    created = tables.Column(accessor="created_at", verbose_name="登记日期", orderable=False)
    due_date = tables.Column(verbose_name="完成期限", orderable=False, default="")

    class Meta:
        model = Measure
        fields = [
            "investor_code",
            "customer_name",
            "branch_code",
            "measure_type",
            "number",
            "status",
            "created",
            "due_date",
        ]
        empty_text = "限制名单为空"

    def render_status(self, record: Measure) -> str:
        return record.get_status_display()

    def value_status(self, record: Measure) -> str:
        return record.get_status_display()

    def render_created(self, record: Measure):
        return timezone.localtime(record.created_at).date().isoformat()

    def value_created(self, record: Measure):
        return timezone.localtime(record.created_at).date()

    def render_due_date(self, value) -> str:
        return value.isoformat()
