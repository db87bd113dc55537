"""Columns of 短信记录, 短信模板 and 退订名单; numbers are masked here so the page and
its export agree."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from huifang.channels.sms.models import SmsMessage, SmsOptOut, SmsStatus, SmsTemplate
from huifang.channels.sms.transports import provider_label
from huifang.core.audit_display import source_label
from huifang.core.columns import (
    BooleanColumn,
    ChoiceColumn,
    CountColumn,
    DateTimeColumn,
    TruncatedColumn,
    UserColumn,
    permitted_link,
)
from huifang.core.masking import mask_phone

# Three moments a row: each may break between its date and its time on a narrow screen.
WHEN = {"td": {"class": "cell-when"}}


class MessageTable(tables.Table):
    queued_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="排队时间", attrs=WHEN)
    investor_code = tables.Column(accessor="customer__investor_code", verbose_name="投资者代码")
    customer_name = TruncatedColumn(
        accessor="customer__name", verbose_name="客户名称", width="6rem"
    )
    mobile = tables.Column(verbose_name="手机号", orderable=False)  # stored encrypted
    branch = tables.Column(accessor="branch__name", verbose_name="部门")
    template = tables.Column(
        accessor="template__name", verbose_name="短信模板", order_by="template__name"
    )
    text = TruncatedColumn(verbose_name="短信内容", width="16rem")
    parts = CountColumn(verbose_name="计费条数")
    status = ChoiceColumn(SmsStatus, verbose_name="状态")
    provider_text = TruncatedColumn(verbose_name="服务商说明", default="", width="8rem")
    attempts = tables.Column(verbose_name="尝试次数")
    sent_at = DateTimeColumn(format="Y-m-d H:i:s", default="", verbose_name="发送时间", attrs=WHEN)
    delivered_at = DateTimeColumn(
        format="Y-m-d H:i:s", default="", verbose_name="送达时间", attrs=WHEN
    )
    task = tables.Column(
        accessor="task_id",
        verbose_name="回访任务",
        linkify=lambda record: f"/callbacks/tasks/{record.task_id}/" if record.task_id else None,
        default="",
    )
    provider = tables.Column(verbose_name="服务商")
    forced = BooleanColumn(verbose_name="强制发送", yesno="是,否")
    created_by = UserColumn("created_by", verbose_name="发送人")

    class Meta:
        model = SmsMessage
        fields = [
            "queued_at",
            "investor_code",
            "customer_name",
            "mobile",
            "branch",
            "template",
            "text",
            "parts",
            "status",
            "provider_text",
            "attempts",
            "sent_at",
            "delivered_at",
            "task",
            "provider",
            "forced",
            "created_by",
        ]
        sequence = fields
        order_by = "-queued_at"
        empty_text = "没有短信记录"
        attrs = {"class": "table table-vcenter card-table text-nowrap"}

    # What fits 1366 px (tests/browser/test_layout_1366.py); 计费条数 and the rest are
    # under 显示列 and in every export.
    default_columns = [
        "queued_at",
        "investor_code",
        "customer_name",
        "mobile",
        "template",
        "status",
        "provider_text",
        "sent_at",
        "delivered_at",
        "task",
    ]

    def render_template(self, record) -> str:
        """The template's name, its code on hover (the list fits 1366 px)."""
        return format_html(
            '<span title="模板编号：{}">{}</span>', record.template.code, record.template.name
        )

    def value_template(self, record) -> str:
        return str(record.template)

    def render_mobile(self, value) -> str:
        return mask_phone(value)

    def value_mobile(self, value) -> str:
        return mask_phone(value)

    def render_provider(self, value) -> str:
        return provider_label(value)

    def value_provider(self, value) -> str:
        return provider_label(value)


class TemplateTable(tables.Table):
    code = tables.Column(linkify=permitted_link("sms:template_edit", "sms.change_smstemplate"))
    text = tables.Column(verbose_name="短信内容")
    enabled = BooleanColumn(verbose_name="状态", yesno="启用,停用")
    updated_at = DateTimeColumn(format="Y-m-d H:i:s")

    class Meta:
        model = SmsTemplate
        fields = ["code", "name", "signature", "text", "enabled", "updated_at"]
        order_by = "code"
        empty_text = "还没有短信模板"


class OptOutTable(tables.Table):
    mobile = tables.Column(verbose_name="手机号", orderable=False)  # stored encrypted
    created_by = UserColumn("created_by", verbose_name="登记人")
    created_at = DateTimeColumn(format="Y-m-d H:i:s")
    remove = tables.TemplateColumn(
        template_name="sms/_optout_remove.html", verbose_name="操作", orderable=False
    )

    class Meta:
        model = SmsOptOut
        fields = ["mobile", "reason", "created_by", "created_via", "created_at"]
        sequence = ["mobile", "reason", "created_by", "created_via", "created_at", "remove"]
        order_by = "-created_at"
        empty_text = "退订名单为空"

    export_exclude = ["remove"]

    def render_created_via(self, value) -> str:
        return source_label(value)

    def value_created_via(self, value) -> str:
        return source_label(value)

    def render_mobile(self, value) -> str:
        return mask_phone(value)

    def value_mobile(self, value) -> str:
        return mask_phone(value)
