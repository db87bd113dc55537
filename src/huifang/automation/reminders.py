"""What makes 站内消息: the worker's periodic pass and the events other steps announce.

The pass (:func:`run_pass`, run by ``tasks.tick_notifications``) looks at the database
only, so any number of workers may run it at any time: each message's dedupe key names
its occurrence, and the unique constraint drops the second copy.

- 改约提醒: an open task's ``appointment_at`` within the next 15 minutes → its agent.
- From 08:00 Beijing, once a day: tasks due tomorrow and overdue tasks, one digest per
  agent; each branch manager's subtree's overdue tasks, one digest per manager.
- 回访计划 runs waiting for approval or failed (catch-up of the events below) → HQ admins
  and the plan's 通知 people; runs that made their batch → the plan's 通知 people.
- The daily e-mail digest, when on.

Events (``receivers``): tasks assigned (callbacks' ``tasks_assigned``), abnormal answers
(a survey response saved with abnormal questions), a plan run finished (待审核, 失败, or
已完成 with its batch, approved or not),
an intake failed (``signals.intake_failed``).
"""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from huifang.automation import notifications
from huifang.automation.models import NotificationKind, PlanRun, PlanRunStatus
from huifang.automation.notifications import Message
from huifang.automation.schedule import BEIJING
from huifang.callbacks.models import CallbackTask
from huifang.core.scoping import in_subtree
from huifang.org.models import Role, User

APPOINTMENT_LEAD = datetime.timedelta(minutes=15)
DAILY_AT = datetime.time(8, 0)  # daily reminders from the start of the working day
PLAN_RUN_CATCH_UP = datetime.timedelta(days=2)
Kind = NotificationKind


def _tasks_url(**query) -> str:
    from urllib.parse import urlencode

    return f"{reverse('callbacks:task_list')}?{urlencode(query)}"


# What the link of an assignment of several tasks lists: the message keeps how many were
# assigned; a task given to someone else since is theirs, and no longer listed.
ASSIGNMENT_LINK_NOTE = "打开后列出其中目前仍由您负责的任务；之后改派给他人的任务不再列出。"


def assignment_url(at: datetime.datetime) -> str:
    """The task list of the recipient's tasks assigned at ``at`` (one assignment's: they
    share its moment, to the second), whatever their status now: exactly those of the
    assignment still assigned to the recipient (:data:`ASSIGNMENT_LINK_NOTE`)."""
    moment = timezone.localtime(at).strftime("%Y-%m-%dT%H:%M:%S")
    return _tasks_url(assignee="me", assigned_after=moment, assigned_before=moment)


def _task_url(pk: int) -> str:
    return reverse("callbacks:task_detail", args=[pk])


# ---------------------------------------------------------------- the pass


def appointment_messages(now: datetime.datetime) -> list[Message]:
    """Open assigned tasks whose 改约时间 falls in (now, now + 15 minutes]."""
    rows = CallbackTask.objects.filter(
        open_flag=True,
        assignee__isnull=False,
        appointment_at__gt=now,
        appointment_at__lte=now + APPOINTMENT_LEAD,
    ).values_list("pk", "assignee_id", "appointment_at")
    messages = []
    for pk, agent, at in rows:
        when = at.astimezone(BEIJING)
        messages.append(
            Message(
                agent,
                Kind.APPOINTMENT,
                f"task:{pk}:{at.isoformat()}",
                f"改约提醒：回访任务 #{pk} 约定 {when:%H:%M} 回访",
                f"回访任务 #{pk} 的改约时间是 {when:%Y-%m-%d %H:%M}，请按时回访。",
                _task_url(pk),
            )
        )
    return messages


def _per_agent(rows) -> dict[int, int]:
    return dict(
        rows.filter(assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("assignee", "n")
    )


def due_tomorrow_messages(day: datetime.date) -> list[Message]:
    tomorrow = day + datetime.timedelta(days=1)
    counts = _per_agent(CallbackTask.objects.filter(open_flag=True, deadline=tomorrow))
    link = _tasks_url(
        assignee="me",
        status="open",
        deadline_after=f"{tomorrow:%Y-%m-%d}",
        deadline_before=f"{tomorrow:%Y-%m-%d}",
    )
    return [
        Message(
            agent,
            Kind.DUE_TOMORROW,
            f"due:{tomorrow:%Y-%m-%d}",
            f"明天（{tomorrow:%m-%d}）有 {n} 条回访任务到期",
            f"您有 {n} 条未完成的回访任务截止日期为 {tomorrow:%Y-%m-%d}。",
            link,
        )
        for agent, n in sorted(counts.items())
    ]


def overdue_messages(day: datetime.date) -> list[Message]:
    counts = _per_agent(CallbackTask.objects.overdue(day))
    link = _tasks_url(assignee="me", overdue="true")
    return [
        Message(
            agent,
            Kind.OVERDUE,
            f"overdue:{day:%Y-%m-%d}",
            f"您有 {n} 条回访任务已逾期",
            f"截至 {day:%Y-%m-%d}，您有 {n} 条未完成的回访任务已过截止日期，请尽快处理。",
            link,
        )
        for agent, n in sorted(counts.items())
    ]


def branch_overdue_messages(day: datetime.date) -> list[Message]:
    """One digest per active branch manager: the overdue tasks of their subtree."""
    managers = User.objects.filter(
        is_active=True, role=Role.BRANCH_MANAGER, branch__isnull=False
    ).select_related("branch")
    link = _tasks_url(overdue="true")
    messages = []
    for manager in managers:
        n = in_subtree(CallbackTask.objects.overdue(day), "branch", manager.branch).count()
        if n:
            messages.append(
                Message(
                    manager.pk,
                    Kind.BRANCH_OVERDUE,
                    f"branch_overdue:{day:%Y-%m-%d}",
                    f"{manager.branch.name}有 {n} 条回访任务已逾期",
                    f"截至 {day:%Y-%m-%d}，{manager.branch.name}（含下级部门）有 {n} 条"
                    "未完成的回访任务已过截止日期。",
                    link,
                )
            )
    return messages


def plan_run_messages(plan_run: PlanRun) -> list[Message]:
    """待审核 or 失败: HQ admins and the plan's 通知 people; 已完成 (its batch made, by the
    schedule, 执行 or 审核通过): the plan's 通知 people only."""
    head = f"回访计划“{plan_run.plan.name}”基准日 {plan_run.occurrence:%Y-%m-%d}"
    people = set(plan_run.plan.notify.filter(is_active=True).values_list("pk", flat=True))
    if plan_run.status == PlanRunStatus.PENDING:
        kind, title = Kind.PLAN_PENDING, f"{head} 待审核"
        people.update(notifications.hq_admins())
    elif plan_run.status == PlanRunStatus.FAILED:
        kind, title = Kind.PLAN_FAILED, f"{head} 执行失败"
        people.update(notifications.hq_admins())
    elif plan_run.status == PlanRunStatus.DONE and plan_run.batch is not None:
        kind, title = Kind.PLAN_DONE, f"{head} 已生成批次 {plan_run.batch.number}"
    else:
        return []
    from huifang.automation.services import outcome

    link = reverse("automation:plan_detail", args=[plan_run.plan_id])
    key = f"plan_run:{plan_run.pk}:{plan_run.attempts}"
    return [Message(pk, kind, key, title, outcome(plan_run), link) for pk in sorted(people)]


def _plan_run_catch_up(now: datetime.datetime) -> list[Message]:
    runs = PlanRun.objects.filter(
        status__in=[PlanRunStatus.PENDING, PlanRunStatus.FAILED, PlanRunStatus.DONE],
        finished_at__gte=now - PLAN_RUN_CATCH_UP,
    ).select_related("plan", "screening_run", "batch")
    return [m for run in runs for m in plan_run_messages(run)]


def run_pass(now: datetime.datetime | None = None) -> int:
    """One pass over the database (see the module docstring); returns the messages made.
    A pass that made any is audited with the count per kind (``notifications.notify``)."""
    now = now or timezone.now()
    local = now.astimezone(BEIJING)
    messages = appointment_messages(now) + _plan_run_catch_up(now)
    if local.time() >= DAILY_AT:
        day = local.date()
        messages += due_tomorrow_messages(day) + overdue_messages(day)
        messages += branch_overdue_messages(day)
    made = notifications.notify(messages, now=now)  # audited there, when it made some
    settings = notifications.email_settings()
    if settings["NOTIFICATIONS"]:
        notifications.send_emails(now=now)
    if settings["DIGEST"] and local.hour >= settings.get("DIGEST_HOUR", 8):
        notifications.send_digests(local.date(), now=now)
    return len(made)


def next_wake(now: datetime.datetime, longest: datetime.timedelta) -> datetime.datetime:
    """When the pass should run next: at the latest ``longest`` from now, earlier when an
    改约 reminder falls due (15 minutes before its time) or the daily reminders start."""
    wake = now + longest
    first = (
        CallbackTask.objects.filter(
            open_flag=True,
            assignee__isnull=False,
            appointment_at__gt=now + APPOINTMENT_LEAD,
            appointment_at__lte=wake + APPOINTMENT_LEAD,
        )
        .order_by("appointment_at")
        .values_list("appointment_at", flat=True)
        .first()
    )
    if first is not None:
        wake = min(wake, first - APPOINTMENT_LEAD)
    local = now.astimezone(BEIJING)
    daily = datetime.datetime.combine(local.date(), DAILY_AT, tzinfo=BEIJING)
    if now < daily:
        wake = min(wake, daily)
    return max(wake, now)


# ---------------------------------------------------------------- events


def assigned_messages(assignments: dict[int, int], at: datetime.datetime) -> list[Message]:
    """One message per agent per assignment: the task itself, or how many tasks."""
    by_agent: dict[int, list[int]] = {}
    for task_id, agent_id in assignments.items():
        by_agent.setdefault(agent_id, []).append(task_id)
    messages = []
    for agent_id, ids in sorted(by_agent.items()):
        ids.sort()
        key = f"assigned:{at.isoformat()}:{ids[0]}:{len(ids)}"
        if len(ids) == 1:
            title = f"新分配的回访任务 #{ids[0]}"
            body = f"回访任务 #{ids[0]} 已分配给您。"
            link = _task_url(ids[0])
        else:
            title = f"新分配给您 {len(ids)} 条回访任务"
            body = f"{len(ids)} 条回访任务（#{ids[0]} 等）已分配给您。{ASSIGNMENT_LINK_NOTE}"
            link = assignment_url(at)
        messages.append(Message(agent_id, Kind.TASK_ASSIGNED, key, title, body, link))
    return messages


def abnormal_answer_messages(response) -> list[Message]:
    """A questionnaire answered with abnormal answers → the managers over its branch."""
    n = len(response.abnormal or [])
    if not n:
        return []
    branch = response.branch
    title = f"问卷异常答案：回访任务 #{response.task_id}（{branch.name}）{n} 题异常"
    body = f"{branch.name}的回访任务 #{response.task_id} 的问卷有 {n} 题异常答案，请跟进。"
    link = reverse("surveys:response_detail", args=[response.pk])
    return [
        Message(pk, Kind.ABNORMAL_ANSWER, f"response:{response.pk}", title, body, link)
        for pk in notifications.managers_over(branch)
    ]


def feedback_messages(feedback) -> list[Message]:
    """A 反馈营业部 → the managers over its branch, once per feedback. The text stays on
    the feedback list (it may name the customer; a message carries the task number only)."""
    branch = feedback.branch
    title = f"营业部反馈：回访任务 #{feedback.task_id}（{branch.name}）"
    body = f"{branch.name}的回访任务 #{feedback.task_id} 有一条待处理的营业部反馈，请跟进。"
    link = reverse("records:feedback_list") + "?handled=false"  # their pending ones
    return [
        Message(pk, Kind.BRANCH_FEEDBACK, f"feedback:{feedback.pk}", title, body, link)
        for pk in notifications.managers_over(branch)
    ]


def intake_failed_messages(intake_run) -> list[Message]:
    """A drop-folder file was not imported (``signals.intake_failed``) → HQ admins, once
    per intake run."""
    from django.urls import NoReverseMatch

    status = getattr(intake_run, "get_status_display", lambda: "失败")()
    error = getattr(intake_run, "error", "") or ""
    body = f"{intake_run}：{status}" + (f"。{error}" if error else "")
    try:
        link = reverse("automation:intake")
    except NoReverseMatch:  # the intake pages are not there (yet)
        link = ""
    return [
        Message(
            pk,
            Kind.INTAKE_FAILED,
            f"intake:{intake_run.pk}",
            f"{intake_run}：{status}"[:200],
            body,
            link,
        )
        for pk in notifications.hq_admins()
    ]
