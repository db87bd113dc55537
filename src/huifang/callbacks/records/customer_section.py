"""The customer 360 page's 回访任务与记录 section: the customer's tasks and callback records
as one timeline, newest first (registered from ``RecordsConfig.ready``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.callbacks.services import work_refusal
from huifang.core.scoping import has_model_perm
from huifang.customers.customer360 import Section, register_section
from huifang.customers.models import Customer

LIMIT = 100


def timeline(request: HttpRequest, customer: Customer) -> list[dict]:
    """Task created / closed and each record, as dated entries (scoped to the viewer)."""
    entries: list[dict] = []
    tasks = (
        CallbackTask.objects.restrict(request.user, "view")
        .filter(customer=customer)
        .select_related("business_type", "batch", "assignee")
        .order_by("-created_at")[:LIMIT]
    )
    now = timezone.now()
    for task in tasks:
        entries.append(
            {
                "when": task.created_at,
                "kind": "task",
                "task": task,
                # 登记回访记录 only on a task the viewer works (an agent's own).
                "workable": work_refusal(request.user, task) is None,
            }
        )
        if task.closed_at:
            entries.append({"when": task.closed_at, "kind": "closed", "task": task})
        if task.is_open and task.appointment_at:
            entries.append(
                {
                    "when": task.appointment_at,
                    "kind": "appointment",
                    "task": task,
                    "due": task.appointment_at <= now,
                }
            )
    if has_model_perm(request.user, CallbackRecord, "view"):
        records = (
            CallbackRecord.objects.restrict(request.user, "view")
            .filter(customer=customer)
            .select_related("failure_reason", "agent", "business_type")
            .order_by("-called_at")[:LIMIT]
        )
        entries += [{"when": r.called_at, "kind": "record", "record": r} for r in records]
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


def section(request: HttpRequest, customer: Customer, year: int) -> Section | None:
    if not has_model_perm(request.user, CallbackTask, "view"):
        return None
    return Section(
        "回访任务与记录",
        "records/_customer_timeline.html",
        {
            "entries": timeline(request, customer),
            "can_add": has_model_perm(request.user, CallbackRecord, "add"),
        },
    )


def install() -> None:
    # One timeline of the customer's tasks and their records.
    register_section("records", section, order=20)
