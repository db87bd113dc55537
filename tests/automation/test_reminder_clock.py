"""The reminders and the plans' tick on the clock (time-machine): the worker's tasks read
the time themselves, so the clock is moved, not passed — each reminder reaches whom it
concerns at its time and not a minute before, and a plan fires at its run time."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from huifang.automation import services, tasks
from huifang.automation.models import Notification, NotificationKind, PlanRun, PlanRunStatus
from huifang.org.models import Role
from tests.conftest import _user
from tests.surveys.invites import make_task

from .conftest import beijing, set_active_since

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 5)  # a Monday
Kind = NotificationKind
SECOND = datetime.timedelta(seconds=1)


def received() -> set[tuple[str, str]]:
    return set(Notification.objects.values_list("recipient__username", "kind"))


def worker_pass_at(moment: datetime.datetime) -> int:
    """The reminders' task as the worker runs it, with the clock at ``moment``."""
    with time_machine.travel(moment, tick=False):
        return tasks.tick_notifications.enqueue().return_value


def test_an_appointment_reaches_its_agent_15_minutes_before_and_no_one_else(branches, personas):
    make_task(branches["a1"], assignee=personas["agent_a"], appointment_at=beijing(DAY, 14, 30))

    assert worker_pass_at(beijing(DAY, 14, 15) - SECOND) == 0
    assert worker_pass_at(beijing(DAY, 14, 15)) == 1

    assert received() == {("agent_a", Kind.APPOINTMENT)}
    assert worker_pass_at(beijing(DAY, 14, 29)) == 0  # once


def test_daily_reminders_reach_each_agent_and_manager_of_the_branch_from_08_00(branches, personas):
    _user("manager_b", branches["b"], Role.BRANCH_MANAGER)
    yesterday, tomorrow = DAY - datetime.timedelta(1), DAY + datetime.timedelta(1)
    make_task(branches["a1"], assignee=personas["agent_a"], deadline=tomorrow)
    make_task(branches["a1"], assignee=personas["agent_a"], deadline=yesterday)

    assert worker_pass_at(beijing(DAY, 8, 0) - SECOND) == 0
    worker_pass_at(beijing(DAY, 8, 0))

    assert received() == {
        ("agent_a", Kind.DUE_TOMORROW),
        ("agent_a", Kind.OVERDUE),
        ("manager_a", Kind.BRANCH_OVERDUE),
    }  # not agent_b, manager_b (branch b), HQ or the auditor
    assert worker_pass_at(beijing(DAY, 16, 0)) == 0  # once a day
    worker_pass_at(beijing(DAY + datetime.timedelta(1), 8, 0))
    assert (
        Notification.objects.filter(recipient__username="agent_a", kind=Kind.OVERDUE).count() == 2
    )


def test_a_plan_fires_at_its_run_time_on_the_clock(make_plan, elderly):
    plan = set_active_since(make_plan(), beijing(DAY, 9))

    with time_machine.travel(beijing(DAY, 19, 59), tick=False):
        assert tasks.tick_plans.enqueue().return_value == 0
    with time_machine.travel(beijing(DAY, 20, 0), tick=False):
        assert tasks.tick_plans.enqueue().return_value == 1

    [plan_run] = PlanRun.objects.filter(plan=plan, occurrence=DAY)
    assert plan_run.status == PlanRunStatus.DONE
    with time_machine.travel(beijing(DAY, 20, 5), tick=False):
        assert services.tick() == []
