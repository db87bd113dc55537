"""What SMS adds to earlier apps' pages through their registries: the 短信 section of a
task's pages (its messages and 发送短信) and the record list's 发送短信 column."""

from __future__ import annotations

from django.utils import timezone

from huifang.callbacks.records import extras
from huifang.callbacks.task_sections import register_section
from huifang.channels.sms.models import SmsMessage, SmsStatus, SmsTemplate
from huifang.core.scoping import has_model_perm
from huifang.customers.customer360 import Section

SHOWN = 20


def task_section(request, task):
    user = request.user
    if not has_model_perm(user, SmsMessage, "view"):
        return None
    from huifang.channels.sms.services import task_messages

    may_send = has_model_perm(user, SmsMessage, "add") and task.is_open
    return Section(
        "短信",
        "sms/_task_sms.html",
        {
            "task": task,
            "messages": list(task_messages(user, task)[:SHOWN]),
            "templates": list(SmsTemplate.objects.filter(enabled=True).order_by("code"))
            if may_send
            else [],
            "may_send": may_send,
            "next": request.get_full_path(),
        },
    )


def record_sms(records: list) -> dict:
    """The latest text of each record's task: "已送达 03-05 10:12" and the like."""
    task_ids = {r.task_id for r in records}
    latest = (
        SmsMessage.objects.filter(task_id__in=task_ids)
        .order_by("task_id", "-queued_at", "-id")
        .values_list("task_id", "status", "queued_at")
    )
    found: dict = {}
    labels = dict(SmsStatus.choices)
    for task_id, status, queued_at in latest:
        if task_id not in found:
            found[task_id] = f"{labels[status]} {timezone.localtime(queued_at):%m-%d %H:%M}"
    return found


def install() -> None:
    register_section("sms", task_section, order=10)
    extras.register_value("sms", record_sms)
