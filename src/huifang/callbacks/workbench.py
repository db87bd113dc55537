"""The task side of the home page (``core.workbench``): an agent's day, a branch manager's
branch, HQ's latest batches.

Each panel's task numbers come from one aggregate over the user's open tasks, and each
links to the task list filtered to the same rows (``tests/callbacks/test_workbench.py``
holds every number to its list's count). The aggregate says "open" as the two open
statuses and repeats the scope as a plain ``branch IN``, so the index (branch, status,
deadline, assignee) answers a manager's numbers without reading a task row, and
(assignee, status) an agent's; the list's own forms of both are shaped for reading a page
in id order instead. A panel is a few queries, never a loop over tasks.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from huifang.callbacks.choices import OPEN_STATUSES
from huifang.callbacks.filtersets import ME, NOBODY, OPEN
from huifang.callbacks.models import Batch, CallbackTask, overdue_q
from huifang.core.scoping import subtree_ids
from huifang.core.workbench import Figure, Panel, list_url, register
from huifang.org.models import Role

LIST_ROWS = 10
LATEST_BATCHES = 5
BY_DEADLINE = F("deadline").asc(nulls_last=True)
TASK_LIST = "callbacks:task_list"


def open_tasks(user) -> QuerySet:
    """The open tasks ``user`` may see, phrased for the workbench's indexes."""
    tasks = CallbackTask.objects.restrict(user, "view").filter(status__in=OPEN_STATUSES)
    branch = getattr(user, "branch", None)
    if branch is not None and not user.is_superuser:
        tasks = tasks.filter(branch_id__in=subtree_ids(branch))
    return tasks


def first_rows(tasks: QuerySet, *order) -> list[CallbackTask]:
    """The first rows of ``tasks`` in ``order``: their ids from the index alone, then those
    few rows with their customer (joining before the sort would join every candidate)."""
    ids = list(tasks.order_by(*order).values_list("pk", flat=True)[:LIST_ROWS])
    rows = CallbackTask.objects.select_related("customer", "business_type").in_bulk(ids)
    return [rows[pk] for pk in ids]


def whole_day(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """A Beijing day's first and last instant, as the task list's 改约日期 filter takes it."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), zone),
        timezone.make_aware(datetime.datetime.combine(day, datetime.time.max), zone),
    )


def figure(label: str, count: int, params: dict[str, str], tone: str = "") -> Figure:
    return Figure(label, count, list_url(TASK_LIST, params), tone if count else "")


def agent_panel(request) -> dict:
    """My open tasks by deadline, today's 改约, my overdue tasks."""
    today = timezone.localdate()
    day = today.isoformat()
    mine = open_tasks(request.user).filter(assignee=request.user)
    due_today = Q(appointment_at__range=whole_day(today))
    numbers = mine.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=overdue_q(today, known_open=True)),
        appointments=Count("pk", filter=due_today),
    )
    by_deadline = {"assignee": ME, "status": OPEN, "sort": "deadline"}
    appointments = {
        "assignee": ME,
        "status": OPEN,
        "appointment_after": day,
        "appointment_before": day,
        "sort": "appointment_at",
    }
    overdue = {"assignee": ME, "overdue": "true", "sort": "deadline"}
    return {
        "figures": [
            figure("我的未完成任务", numbers["open"], by_deadline),
            figure("今日改约", numbers["appointments"], appointments, "warning"),
            figure("我的逾期任务", numbers["overdue"], overdue, "danger"),
        ],
        "open_tasks": first_rows(mine, BY_DEADLINE, "id"),
        "open_url": list_url(TASK_LIST, by_deadline),
        "appointments": first_rows(mine.filter(due_today), "appointment_at", "id"),
        "today": today,
    }


def manager_panel(request) -> dict:
    """The branch's (and its sub-branches') open, overdue and unassigned tasks."""
    today = timezone.localdate()
    tasks = open_tasks(request.user)
    numbers = tasks.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=overdue_q(today, known_open=True)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
    )
    unassigned = {"status": OPEN, "assignee": NOBODY, "sort": "deadline"}
    return {
        "figures": [
            figure("未完成任务", numbers["open"], {"status": OPEN, "sort": "deadline"}),
            figure("已逾期", numbers["overdue"], {"overdue": "true", "sort": "deadline"}, "danger"),
            figure("未分配", numbers["unassigned"], unassigned, "warning"),
        ],
        "unassigned": first_rows(tasks.filter(assignee__isnull=True), BY_DEADLINE, "id"),
        "unassigned_url": list_url(TASK_LIST, unassigned),
        "branch": request.user.branch,
        "today": today,
    }


def batches_panel(request) -> dict:
    """The latest batches, each linking to its tasks."""
    batches = Batch.objects.restrict(request.user, "view").select_related("business_type")
    latest = list(batches.order_by("-created_at", "-id")[:LATEST_BATCHES])
    for batch in latest:
        batch.tasks_url = list_url(TASK_LIST, {"batch": batch.number})
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
