"""Columns of 外呼记录 (the global list and its exports) and of the result mapping page.

The page's export carries the page's columns as it shows them (拨打时长 ``01:35``, 回访记录
``#12``); :class:`InterfaceCallTable` is ``interfaces.md``'s format (its columns in its
order, 拨打时长 in seconds, ids bare), written by ``huifang export calls``, the API's export
and the page's 导出接口格式, and read back by ``huifang callcenter import``."""

from __future__ import annotations

import django_tables2 as tables
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html

from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.choices import RecordStatus
from huifang.channels.calls.choices import CallResult, MappingAction, ivr_question_label
from huifang.channels.calls.models import CallAttempt, CallPush, ResultMapping
from huifang.core.audit_display import source_label
from huifang.core.columns import (
    BooleanColumn,
    ChoiceColumn,
    CountColumn,
    DateTimeColumn,
    UserColumn,
    permitted_link,
)
from huifang.core.exporter import QUERY_STRING, filter_text
from huifang.core.filtersets import describe
from huifang.org.models import Branch

EXPORT_COLUMNS = [
    "call_id",
    "task_ref",
    "investor_code",
    "started_at",
    "duration",
    "attempt",
    "result",
    "agent",
    "recording_url",
    "recording_sha256",
    "record",
]


class CallTable(tables.Table):
    call_id = tables.Column(verbose_name="呼叫ID")
    task_ref = tables.Column(verbose_name="外呼任务ID")
    investor_code = tables.Column(
        accessor="customer__investor_code",
        verbose_name="投资者代码",
        order_by="customer__investor_code",
    )
    customer_name = tables.Column(accessor="customer__name", verbose_name="客户名称")
    branch = tables.Column(accessor="branch__name", verbose_name="营业部", order_by="branch__path")
    started_at = DateTimeColumn(verbose_name="拨打时间")
    duration = tables.Column(
        accessor="duration_seconds", verbose_name="拨打时长", order_by="duration_seconds"
    )
    attempt = CountColumn(verbose_name="拨打次数")
    result = ChoiceColumn(CallResult, verbose_name="拨打结果")
    agent = tables.Column(verbose_name="坐席")
    recording_url = tables.Column(verbose_name="录音地址")
    recording_sha256 = tables.Column(verbose_name="录音SHA256")
    record = tables.Column(accessor="record_id", verbose_name="回访记录", default="")
    task = tables.Column(accessor="task_id", verbose_name="回访任务", orderable=False)

    default_columns = [
        "started_at",
        "investor_code",
        "customer_name",
        "branch",
        "duration",
        "attempt",
        "result",
        "agent",
        "record",
        "task",
    ]
    export_columns = default_columns  # what the page shows, unless 显示列 chose others

    class Meta:
        model = CallAttempt
        fields = ()
        sequence = (*EXPORT_COLUMNS, "customer_name", "branch", "task")

    def render_duration(self, record: CallAttempt) -> str:
        return record.duration_text

    def value_duration(self, record: CallAttempt) -> str:
        return record.duration_text

    def render_record(self, value):
        if not value:
            return "—"
        return format_html(
            '<a href="{}">#{}</a>', reverse("records:record_detail", args=[value]), value
        )

    def value_record(self, value):
        return f"#{value}" if value else ""

    def render_task(self, value):
        return format_html(
            '<a href="{}">#{}</a>', reverse("callbacks:task_detail", args=[value]), value
        )

    def value_task(self, value):
        return f"#{value}" if value else ""

    def value_recording_url(self, value):
        return value

    def render_recording_url(self, value):
        return format_html('<a href="{}" rel="noreferrer" target="_blank">录音</a>', value)


class InterfaceCallTable(CallTable):
    """外呼记录 in ``interfaces.md``'s format (``huifang export calls``): its columns in its
    order, 拨打时长 in seconds and 回访记录 a bare id, as ``huifang callcenter import`` reads."""

    export_columns = EXPORT_COLUMNS

    def value_duration(self, record: CallAttempt) -> int:
        return record.duration_seconds

    def value_record(self, value):
        return value or ""

    def value_task(self, value):
        return value or ""


class PushTable(tables.Table):
    """外呼名单: one row per push (who, when, which filter, how many calls)."""

    number = tables.LinkColumn(
        "calls:push_detail", args=[tables.A("pk")], accessor="pk", verbose_name="编号"
    )
    created_at = DateTimeColumn(verbose_name="推送时间")
    created_by = UserColumn("created_by", verbose_name="推送人")
    created_via = tables.Column(verbose_name="来源")
    filters = tables.Column(verbose_name="筛选条件", default="—")
    count = CountColumn(verbose_name="外呼数")
    pages = CountColumn(verbose_name="推送页数")

    class Meta:
        model = CallPush
        fields = ()
        sequence = ("number", "created_at", "created_by", "created_via", "filters", "count")
        order_by = "-created_at"
        empty_text = "还没有推送过外呼名单"

    def render_created_via(self, value) -> str:
        return source_label(value)

    def value_created_via(self, value) -> str:
        return source_label(value)

    def render_filters(self, value) -> str:
        return push_filters(value)

    def value_filters(self, value) -> str:
        return push_filters(value)


# The query parameter a push of ticked tasks stores with its filter: how many were ticked.
PICKED = "picked"


def push_filters(value: str) -> str:
    """The task list's filter a push was made with (a query string) as the task list
    reads it (``处理状态：未完成（未处理+处理中）；批次号：4000000001``, ``core.filtersets.describe``),
    led by ``勾选的 N 条任务`` when the tasks were ticked; a value the task list does not read
    as it is stored; other text (a note) as it is."""
    if not QUERY_STRING.match(value):
        return value
    data = QueryDict(value, mutable=True)
    picked = data.pop(PICKED, [None])[-1]
    filterset = TaskFilterSet(data=data, queryset=CallbackTask.objects.none())
    filterset.filters["branch"].queryset = Branch.objects.all()  # as pushed, whoever reads
    text = describe(filterset) or filter_text(data) or ("" if picked else value)
    if picked:
        return "；".join(part for part in (f"勾选的 {picked} 条任务", text) if part)
    return text


class MappingTable(tables.Table):
    """外呼结果映射: the confirmation question by its name (the platform's key after it)."""

    result = ChoiceColumn(
        CallResult,
        verbose_name="拨打结果",
        linkify=permitted_link("calls:mapping_edit", "calls.change_resultmapping"),
    )
    action = ChoiceColumn(MappingAction, verbose_name="处理方式")
    status = ChoiceColumn(RecordStatus, verbose_name="回访状态")
    failure_reason = tables.Column(verbose_name="失败原因")
    ivr_required = BooleanColumn(verbose_name="须按键确认", yesno="是,否")
    ivr_question = tables.Column(verbose_name="确认问题", empty_values=())
    ivr_answer = tables.Column(verbose_name="确认按键")
    updated_at = DateTimeColumn(verbose_name="修改时间")

    class Meta:
        model = ResultMapping
        fields = ()
        orderable = False

    def render_ivr_question(self, record) -> str:
        return ivr_question_label(record.ivr_question)

    def value_ivr_question(self, record) -> str:
        return ivr_question_label(record.ivr_question)
