"""The 管理措施 sections of the customer 360 page and of the task page (registered from
``ReportsConfig.ready``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from huifang.callbacks import task_sections
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.core.scoping import has_model_perm
from huifang.customers.customer360 import Section, register_section
from huifang.customers.models import Customer
from huifang.reports.models import Measure

LIMIT = 50


def _measures(request: HttpRequest, **where):
    return (
        Measure.objects.restrict(request.user, "view")
        .filter(**where)
        .select_related("measure_type", "responsible")
        .order_by("-created_at", "-id")[:LIMIT]
    )


def customer_section(request: HttpRequest, customer: Customer, year: int) -> Section | None:
    if not has_model_perm(request.user, Measure, "view"):
        return None
    return Section(
        "管理措施",
        "reports/_measure_section.html",
        {
            "measures": _measures(request, customer=customer),
            "today": timezone.localdate(),
            "create_query": f"customer={customer.investor_code}",
            "can_add": has_model_perm(request.user, Measure, "add"),
        },
    )


def task_section(request: HttpRequest, task: CallbackTask) -> Section | None:
    """The customer's measures, and 创建管理措施 from the task, one of its records or one of
    its branch follow-ups (records' own pages cannot link here: records may not know this
    app)."""
    if not has_model_perm(request.user, Measure, "view"):
        return None
    can_add = has_model_perm(request.user, Measure, "add")
    sources = []
    if can_add:
        records = (
            CallbackRecord.objects.restrict(request.user, "view")
            .filter(task=task)
            .select_related("failure_reason")
            .order_by("-called_at", "-id")[:20]
        )
        sources += [
            (
                f"回访记录 #{r.pk}（{timezone.localtime(r.called_at):%Y-%m-%d %H:%M}"
                f" {r.get_status_display()}）",
                f"record={r.pk}",
            )
            for r in records
        ]
        feedbacks = (
            BranchFeedback.objects.restrict(request.user, "view").filter(task=task).order_by("-id")
        )[:20]
        sources += [(f"营业部反馈 #{f.pk}", f"feedback={f.pk}") for f in feedbacks]
    return Section(
        "管理措施",
        "reports/_measure_section.html",
        {
            "measures": _measures(request, customer_id=task.customer_id),
            "today": timezone.localdate(),
            "create_query": f"task={task.pk}",
            "can_add": can_add,
            "sources": sources,
        },
    )


def install() -> None:
    register_section("measures", customer_section, order=40)
    task_sections.register_section("measures", task_section, order=90)
