"""The task side of the home page (``core.workbench``): an agent's day, a branch manager's
branch, HQ's latest batches.

Every number is the count of the task list's FilterSet for the parameters its link carries,
on the user's scope; the short lists are the first rows of the same filters. A panel is a
handful of indexed queries (assignee + open, open + deadline, branch), never a loop over
tasks.
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from huifang.callbacks.filtersets import ME, NOBODY, OPEN, TaskFilterSet
from huifang.callbacks.models import Batch, CallbackTask
from huifang.core.workbench import Counter, Panel, list_url, register
from huifang.org.models import Role

LIST_ROWS = 10
LATEST_BATCHES = 5
BY_DEADLINE = F("deadline").asc(nulls_last=True)


def _tasks(request) -> Counter:
    queryset = CallbackTask.objects.select_related("customer", "business_type", "assignee")
    return Counter(request, "callbacks:task_list", TaskFilterSet, queryset)


def agent_panel(request) -> dict:
    """My open tasks by deadline, today's 改约, my overdue tasks."""
    today = timezone.localdate().isoformat()
    tasks = _tasks(request)
    mine = {"assignee": ME, "status": OPEN}
    appointments = {**mine, "appointment_after": today, "appointment_before": today}
    by_deadline = {**mine, "sort": "deadline"}
    return {
        "figures": [
            tasks.figure("我的未完成任务", by_deadline),
            tasks.figure("今日改约", {**appointments, "sort": "appointment_at"}, tone="warning"),
            tasks.figure(
                "我的逾期任务",
                {"assignee": ME, "overdue": "true", "sort": "deadline"},
                tone="danger",
            ),
        ],
        "open_tasks": tasks.rows(mine).order_by(BY_DEADLINE, "id")[:LIST_ROWS],
        "open_url": list_url("callbacks:task_list", by_deadline),
        "appointments": tasks.rows(appointments).order_by("appointment_at", "id")[:LIST_ROWS],
        "today": timezone.localdate(),
    }


def manager_panel(request) -> dict:
    """The branch's (and its sub-branches') open, overdue and unassigned tasks."""
    tasks = _tasks(request)
    unassigned = {"status": OPEN, "assignee": NOBODY, "sort": "deadline"}
    return {
        "figures": [
            tasks.figure("未完成任务", {"status": OPEN, "sort": "deadline"}),
            tasks.figure("已逾期", {"overdue": "true", "sort": "deadline"}, tone="danger"),
            tasks.figure("未分配", unassigned, tone="warning"),
        ],
        "unassigned": tasks.rows(unassigned).order_by(BY_DEADLINE, "id")[:LIST_ROWS],
        "unassigned_url": list_url("callbacks:task_list", unassigned),
        "branch": request.user.branch,
    }


def batches_panel(request) -> dict:
    """The latest batches, each linking to its tasks."""
    batches = Batch.objects.restrict(request.user, "view").select_related("business_type")
    latest = list(batches.order_by("-created_at", "-id")[:LATEST_BATCHES])
    for batch in latest:
        batch.tasks_url = list_url("callbacks:task_list", {"batch": batch.number})
    return {"batches": latest}


def register_panels() -> None:
    hq = frozenset({Role.HQ_ADMIN.value, Role.AUDITOR.value})
    register(
        Panel(
            "callbacks.agent",
            "callbacks/workbench_agent.html",
            frozenset({Role.AGENT.value}),
            agent_panel,
            permission="callbacks.view_callbacktask",
            order=10,
        )
    )
    register(
        Panel(
            "callbacks.manager",
            "callbacks/workbench_manager.html",
            frozenset({Role.BRANCH_MANAGER.value}),
            manager_panel,
            permission="callbacks.view_callbacktask",
            order=10,
        )
    )
    register(
        Panel(
            "callbacks.batches",
            "callbacks/workbench_batches.html",
            hq,
            batches_panel,
            permission="callbacks.view_batch",
            order=30,
        )
    )
