"""The demo's work in progress: a frozen screening, a batch of tasks distributed among the
agents, and a few callback records — so every demo login has something to look at.

Everything goes through the products' own services, acting as the demo HQ admin, so the
audit log shows the demo's work like anyone else's. Runs once: a database that already
holds a batch is left alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone

from huifang.callbacks import distribution
from huifang.callbacks import services as task_services
from huifang.callbacks.models import Batch, BusinessType, CallbackTask
from huifang.callbacks.records import services as record_services
from huifang.callbacks.records.models import FailureReason
from huifang.org.models import Branch, User
from huifang.rules import services as rule_services

BUSINESS_TYPE = "专项回访"


def ensure_workload(year: int, say: Callable[[str], None]) -> None:
    if Batch.objects.exists():
        say("已有回访批次：保留现有回访任务，不再生成演示任务")
        return
    admin = User.objects.get(username="hq_admin")
    run = rule_services.do_run_screening(
        datetime.date(year, 12, 31), freeze=True, note="演示：年度筛选", actor=admin
    )
    try:
        result = task_services.do_create_batch(
            run, BusinessType.objects.get(name=BUSINESS_TYPE), actor=admin
        )
    except ValidationError as exc:  # e.g. a year with no trading calendar at all
        say(f"未生成演示回访任务：{'；'.join(exc.messages)}")
        return
    say(
        f"演示筛选 #{run.pk}：命中 {run.hit_count} 人；批次 {result.batch.number} 新建任务 "
        f"{result.batch.created_count} 条"
    )
    offices = Branch.objects.filter(depth=2)
    for office in offices:
        ids = list(CallbackTask.objects.filter(branch=office).values_list("pk", flat=True))
        if ids:
            distribution.do_auto_distribute(ids, office, actor=admin)
    _sample_records(say)


def _sample_records(say: Callable[[str], None]) -> None:
    """Three attempts for the first agent's first tasks: a success, a failure, a 改约."""
    now = timezone.now().replace(second=0, microsecond=0)
    no_answer = FailureReason.objects.get(name="无人接听")
    reschedule = FailureReason.objects.filter(asks_appointment=True).first()
    count = 0
    for agent in User.objects.filter(username__endswith="_agent1").order_by("username"):
        tasks = list(CallbackTask.objects.filter(assignee=agent).order_by("pk")[:3])
        samples = [
            {"status": "success", "method": "phone", "duration_seconds": "185"},
            {
                "status": "failure",
                "method": "phone",
                "failure_reason": no_answer,
                "duration_seconds": "0",
            },
            {
                "status": "failure",
                "method": "phone",
                "failure_reason": reschedule,
                "duration_seconds": "40",
                "appointment_at": now + datetime.timedelta(days=1),
            },
        ]
        for task, data in zip(tasks, samples, strict=False):
            if data.get("failure_reason", True) is None:
                continue
            record_services.do_create_record(
                task, {**data, "called_at": now - datetime.timedelta(hours=2)}, actor=agent
            )
            count += 1
    say(f"演示回访记录 {count} 条")
