"""Columns of 回访记录管理 (the brochure's summary table) and the dictionary/feedback lists.

Masking happens in the table, so the page, its xlsx/csv export and the CLI export
(``exporting.py``) can never disagree. The brochure's 发送短信 column joins with the SMS
channel.
"""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone

from huifang.callbacks.records import extras
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord, FailureReason
from huifang.core.columns import WRAP, ChoiceColumn, DateTimeColumn, UserColumn, permitted_link
from huifang.core.masking import mask_phone
from huifang.core.people import person_html, person_text
from huifang.customers.choices import Gender

# Shown by default and exported: the brochure's summary table.
SUMMARY_COLUMNS = [
    "branch_code",
    "account_branch",
    "called_at",
    "investor_code",
    "customer_name",
    "phone",
    "gender",
    "age",
    "risk_level",
    "status",
    "feedback",
]
# Offered in the column chooser.
EXTRA_COLUMNS = [
    "method",
    "failure_reason",
    "duration",
    "agent",
    "business_type",
    "batch",
    "sms",
]


def contact_phone(record: CallbackRecord) -> str:
    """The number used for this callback, else the customer's; always masked."""
    customer = record.customer
    return mask_phone(record.phone_used or record.mobile_used or customer.phone or customer.mobile)


def record_age(record: CallbackRecord) -> int | None:
    return record.customer.age_on(timezone.localtime(record.called_at).date())


def feedback_label(record: CallbackRecord) -> str:
    return "已反馈" if record.feedback_at else "未反馈"


class RecordTable(tables.Table):
    branch_code = tables.Column(
        accessor="task__branch__code", verbose_name="营业部代码", order_by="task__branch__path"
    )
    account_branch = tables.Column(
        accessor="customer__branch__name",
        verbose_name="账号所属营业部",
        order_by="customer__branch__path",
    )
    called_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="回访日期")
    investor_code = tables.LinkColumn(
        "records:record_detail",
        args=[tables.A("pk")],
        accessor="customer__investor_code",
        verbose_name="客户账号",
        order_by="customer__investor_code",
    )
    customer_name = tables.Column(accessor="customer__name", verbose_name="账户名称")
    phone = tables.Column(accessor="pk", verbose_name="联系电话", orderable=False)
    gender = ChoiceColumn(
        Gender,
        accessor="customer__gender",
        verbose_name="性别",
        order_by="customer__gender",
        default="",
    )
    age = tables.Column(accessor="pk", verbose_name="年龄", order_by="-customer__birth_date")
    risk_level = tables.Column(
        accessor="customer__risk_level",
        verbose_name="风险承受能力",
        default="",
        order_by="customer__risk_level",
    )
    status = ChoiceColumn(RecordStatus, verbose_name="回访状态")
    # accessor "pk": never empty, so the value_ method (not the column default) fills exports.
    feedback = tables.Column(accessor="pk", verbose_name="反馈营业部", order_by="feedback_at")
    method = ChoiceColumn(Method, verbose_name="回访形式")
    failure_reason = tables.Column(
        accessor="failure_reason__name", verbose_name="失败原因", default=""
    )
    duration = tables.Column(
        accessor="duration_seconds", verbose_name="回访时长", order_by="duration_seconds"
    )
    # A questionnaire the customer answered alone (掌厅/H5) has no agent: the registering
    # channel is shown instead (``CallbackRecord.registered_by``).
    agent = UserColumn("agent", verbose_name="回访人", empty_values=())
    business_type = tables.Column(accessor="business_type__name", verbose_name="回访类型")
    batch = tables.Column(accessor="task__batch__number", verbose_name="批次号")
    # The task's latest text (filled by the SMS channel through ``extras``).
    sms = tables.Column(accessor="pk", verbose_name="发送短信", orderable=False)

    class Meta:
        model = CallbackRecord
        fields = SUMMARY_COLUMNS + EXTRA_COLUMNS
        sequence = SUMMARY_COLUMNS + EXTRA_COLUMNS
        order_by = "-called_at"
        empty_text = "没有符合条件的回访记录"
        attrs = {"class": "table table-vcenter card-table text-nowrap"}

    export_columns = SUMMARY_COLUMNS
    # What fits a 1366-px screen (账号所属营业部 is under 显示列; exports keep it).
    default_columns = [c for c in SUMMARY_COLUMNS if c != "account_branch"]

    def render_phone(self, record: CallbackRecord) -> str:
        return contact_phone(record)

    def value_phone(self, record: CallbackRecord) -> str:
        return contact_phone(record)

    def render_age(self, record: CallbackRecord):
        age = record_age(record)
        return "" if age is None else age

    def value_age(self, record: CallbackRecord):
        return record_age(record)

    def render_risk_level(self, record: CallbackRecord) -> str:
        return record.customer.risk_label

    def value_risk_level(self, record: CallbackRecord) -> str:
        return record.customer.risk_label

    def render_feedback(self, record: CallbackRecord) -> str:
        return feedback_label(record)

    def value_feedback(self, record: CallbackRecord) -> str:
        return feedback_label(record)

    def _sms_text(self, record: CallbackRecord) -> str:
        cache = self.__dict__.setdefault("_sms_cache", {})
        if record.task_id not in cache:
            page = getattr(self, "page", None)
            rows = [getattr(r, "record", r) for r in page.object_list] if page else [record]
            if record not in rows:
                rows = [record]
            cache.update({r.task_id: "" for r in rows})
            cache.update(extras.values("sms", rows))
        return cache.get(record.task_id, "")

    def render_sms(self, record: CallbackRecord) -> str:
        return self._sms_text(record)

    def value_sms(self, record: CallbackRecord) -> str:
        return self._sms_text(record)

    def render_agent(self, value, record: CallbackRecord):
        return person_html(value) if value else record.registered_by

    def value_agent(self, value, record: CallbackRecord) -> str:
        return person_text(value) if value else record.registered_by

    def render_duration(self, record: CallbackRecord) -> str:
        return record.duration_text

    def value_duration(self, record: CallbackRecord) -> str:
        return record.duration_text


class FailureReasonTable(tables.Table):
    name = tables.Column(
        linkify=permitted_link("records:reason_edit", "records.change_failurereason")
    )
    updated_by = UserColumn("updated_by", verbose_name="操作员")
    updated_at = DateTimeColumn(format="Y-m-d H:i:s")

    class Meta:
        model = FailureReason
        fields = [
            "name",
            "counts_as_unanswered",
            "is_final",
            "remark_required",
            "asks_appointment",
            "is_active",
            "sort_order",
            "updated_by",
            "updated_at",
        ]
        order_by = "sort_order"
        empty_text = "失败原因字典为空"


FEEDBACK_PAGE_COLUMNS = (
    "created_at",
    "branch",
    "investor_code",
    "customer_name",
    "message",
    "created_by",
    "handled",
)


class FeedbackTable(tables.Table):
    created_at = DateTimeColumn(format="Y-m-d H:i:s")
    branch = tables.Column(accessor="branch__name", verbose_name="营业部")
    investor_code = tables.LinkColumn(
        "records:task_records",
        args=[tables.A("task_id")],
        accessor="task__customer__investor_code",
        verbose_name="客户账号",
    )
    customer_name = tables.Column(accessor="task__customer__name", verbose_name="账户名称")
    message = tables.Column(verbose_name="反馈内容", attrs=WRAP)
    # No person: raised by the system (an abnormal questionnaire answer).
    created_by = UserColumn("created_by", verbose_name="反馈人", system=True)
    handled = tables.TemplateColumn(
        template_name="records/_feedback_handle.html",
        verbose_name="处理",
        accessor="handled_at",
        orderable=False,
        attrs=WRAP,
    )
    # What the 处理 cell shows of a handled feedback, one column each in an export (its
    # 处理 says 已处理 / 未处理): who, when (a date-time cell), and the 处理说明.
    handled_by = UserColumn("handled_by", verbose_name="处理人")
    handled_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="处理时间")
    handling_note = tables.Column(verbose_name="处理说明", attrs=WRAP)

    class Meta:
        model = BranchFeedback
        fields = ["created_at", "branch", "investor_code", "customer_name", "message", "created_by"]
        sequence = [*FEEDBACK_PAGE_COLUMNS, "handled_by", "handled_at", "handling_note"]
        order_by = "-created_at"
        empty_text = "没有营业部反馈"

    # The page's 处理 cell already says who, when and how; the rest is under 显示列.
    default_columns = FEEDBACK_PAGE_COLUMNS

    def value_handled(self, record: BranchFeedback) -> str:
        return "未处理" if record.handled_at is None else "已处理"
