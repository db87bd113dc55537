"""The schedule's heartbeat in the task worker: a django-tasks task that runs
:func:`~huifang.automation.services.tick` and queues its own next run with ``run_after``.

No timer lives in any process: the next tick is a row of the database queue, which every
worker on every machine sees, and an occurrence is claimed by inserting its PlanRun row,
so duplicate ticks are harmless (they find nothing left to do). The chain is (re)started
when a worker starts (``services.recover_abandoned``, run by ``huifang db_worker`` at
start-up), when a plan is saved and by ``huifang plan tick``; cron running ``huifang plan
tick`` every few minutes does the same job without the worker.

自动导入 has a sibling chain, ``tick_intake``: while some dataset has a drop folder switched
on (系统管理 → 导入目录, or ``HUIFANG_INTAKE_DIR``), a pass over the drop folders every
:data:`INTAKE_EVERY`, started when a worker starts (``intake.recover_abandoned``) and when a
folder is saved on the page. Two passes at once are harmless: a file is claimed by renaming
it, which one pass only can win.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from huifang.core import audit
from huifang.core.tasks import queued_by

log = logging.getLogger(__name__)

LONGEST_SLEEP = datetime.timedelta(minutes=10)  # a plan edited elsewhere is seen this soon
LABEL = "job:回访计划"
NOTICE_SLEEP = datetime.timedelta(minutes=2)  # a new 改约 is reminded of at most this late
NOTICE_LABEL = "job:站内消息"


@task()
def tick_plans() -> int:
    """Run what is due, then queue the next tick (even when this one failed)."""
    from huifang.automation import services

    try:
        with audit.acting(label=LABEL):
            return len(services.tick())
    finally:
        ensure_tick()


def next_wake(now: datetime.datetime | None = None) -> datetime.datetime:
    """When the next tick should run: the earliest next occurrence of an enabled plan,
    and at the latest :data:`LONGEST_SLEEP` from now."""
    from huifang.automation import schedule
    from huifang.automation.models import Plan

    now = now or timezone.now()
    wake = now + LONGEST_SLEEP
    for plan in Plan.objects.filter(enabled=True):
        day = schedule.next_occurrence(plan, now)
        if day is not None:
            wake = min(wake, schedule.moment(plan, day))
    return max(wake, now)


def ensure_tick(now: datetime.datetime | None = None) -> bool:
    """Queue the next tick unless one is already queued to run by then; True if queued.

    Two processes ensuring at once may queue two: the surplus one runs, finds nothing due
    and, seeing the other queued, queues no successor, so the chain stays single. A
    backend that cannot defer (tests' immediate backend) gets nothing: call ``tick()``.
    """
    backend = tick_plans.get_backend()
    if not backend.supports_defer:
        return False
    wake = next_wake(now)
    if queued_by(tick_plans, wake):
        return False
    tick_plans.using(run_after=wake).enqueue()
    log.info("回访计划：下一次检查 %s", timezone.localtime(wake).strftime("%Y-%m-%d %H:%M"))
    return True


# ---------------------------------------------------------------- 自动导入

INTAKE_EVERY = datetime.timedelta(minutes=1)
INTAKE_LABEL = "job:自动导入"


@task()
def tick_intake() -> int:
    """One pass over the drop folders, then queue the next (even when this one failed)."""
    from huifang.automation import intake

    try:
        with audit.acting(label=INTAKE_LABEL):
            return len(intake.run_pass())
    finally:
        ensure_intake_tick()


def ensure_intake_tick(now: datetime.datetime | None = None) -> bool:
    """Queue the next intake pass in :data:`INTAKE_EVERY` unless one is already queued by
    then, or intake is off (no dataset's folder switched on: the chain ends); True if queued.
    As for the plans' tick, a surplus pass finds the next one queued and queues none."""
    from huifang.automation import intake

    if not intake.enabled():
        return False
    backend = tick_intake.get_backend()
    if not backend.supports_defer:
        return False
    wake = (now or timezone.now()) + INTAKE_EVERY
    if queued_by(tick_intake, wake):
        return False
    tick_intake.using(run_after=wake).enqueue()
    return True


def restart_intake_chain() -> None:
    """:func:`ensure_intake_tick`, logging instead of raising: a worker starting, or a
    folder saved on the page, must never fail because the next pass could not be queued."""
    try:
        ensure_intake_tick()
    except Exception:
        log.exception("无法安排自动导入的定时检查")


# ---------------------------------------------------------------- 站内消息


@task()
def tick_notifications() -> int:
    """The reminders' pass (``reminders.run_pass``), then the next one queued: its own
    chain beside the plans', as it wakes far more often (every few minutes, and exactly
    15 minutes before a 改约)."""
    from huifang.automation import reminders

    try:
        with audit.acting(label=NOTICE_LABEL):
            return reminders.run_pass()
    finally:
        ensure_notice_tick()


def ensure_notice_tick(now: datetime.datetime | None = None) -> bool:
    """Queue the reminders' next pass unless one is queued by then (see :func:`ensure_tick`)."""
    from huifang.automation import reminders

    backend = tick_notifications.get_backend()
    if not backend.supports_defer:
        return False
    now = now or timezone.now()
    wake = reminders.next_wake(now, NOTICE_SLEEP)
    if queued_by(tick_notifications, wake):
        return False
    tick_notifications.using(run_after=wake).enqueue()
    return True
