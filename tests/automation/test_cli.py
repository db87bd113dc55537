"""``huifang plan list|run NAME [--date D]|tick`` per docs/interfaces.md's conventions."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.automation.models import PlanMode, PlanRun, PlanRunStatus
from huifang.callbacks.models import Batch
from huifang.core.models import AuditEvent

from .conftest import beijing, set_active_since

D = datetime.date


def call(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_plan_list_shows_schedule_last_and_next_run(make_plan, elderly):
    plan = make_plan()
    call("plan", "run", plan.name, "--date", "2025-12-31")

    lines = call("plan", "list")

    assert lines[0].startswith("名称\t")
    assert lines[1].startswith(
        "年度老年客户回访\t每个交易日 20:00\tA003（当前版本）\t年度适当性回访"
    )
    assert "2025-12-31 已完成" in lines[1]


def test_plan_run_prints_the_batch_number_alone_on_the_last_line(make_plan, elderly):
    plan = make_plan()

    lines = call("plan", "run", plan.name, "--date", "2025-12-31")

    batch = Batch.objects.get()
    assert lines[-1] == batch.number
    assert "命中 2 位客户" in lines[0]
    event = AuditEvent.objects.get(action="plan_run")
    assert event.actor_label == "command:plan"


def test_plan_run_of_an_approval_plan_prints_the_screening_id_last(make_plan, elderly):
    plan = make_plan(mode=PlanMode.APPROVAL)

    lines = call("plan", "run", plan.name, "--date", "2025-12-31")

    plan_run = PlanRun.objects.get()
    assert plan_run.status == PlanRunStatus.PENDING and "待审核" in lines[0]
    assert lines[-1] == str(plan_run.screening_run_id)


def test_plan_run_twice_says_it_was_run_and_succeeds_creating_nothing(make_plan, elderly):
    """Like ``batch create`` run again: idempotent for a script, exit 0, same last line."""
    plan = make_plan()
    call("plan", "run", plan.name, "--date", "2025-12-31")
    batch = Batch.objects.get()

    lines = call("plan", "run", plan.name, "--date", "2025-12-31")

    assert lines[0].startswith(
        f"回访计划“{plan.name}”基准日 2025-12-31 已执行过（已完成），本次未重复执行：筛选 #"
    )
    assert f"命中 2 位客户，批次 {batch.number}" in lines[0]
    assert lines[-1] == batch.number
    assert Batch.objects.count() == 1 and PlanRun.objects.get().attempts == 1


def test_plan_run_again_of_a_date_waiting_for_approval_prints_its_screening(make_plan, elderly):
    plan = make_plan(mode=PlanMode.APPROVAL)
    call("plan", "run", plan.name, "--date", "2025-12-31")
    plan_run = PlanRun.objects.get()

    lines = call("plan", "run", plan.name, "--date", "2025-12-31")

    assert "已执行过（待审核），本次未重复执行" in lines[0] and "待审核" in lines[0]
    assert lines[-1] == str(plan_run.screening_run_id)


def test_plan_run_of_a_date_still_running_elsewhere_fails(make_plan, elderly):
    plan = make_plan()
    PlanRun.objects.create(plan=plan, occurrence=D(2025, 12, 31), status=PlanRunStatus.RUNNING)

    with pytest.raises(CommandError, match="已执行（执行中），不会重复执行"):
        call("plan", "run", plan.name, "--date", "2025-12-31")

    assert not Batch.objects.exists()


def test_plan_run_unknown_name_or_bad_date_fails_clearly(make_plan):
    make_plan()
    with pytest.raises(CommandError, match="回访计划“没有”不存在"):
        call("plan", "run", "没有")
    with pytest.raises(CommandError, match="不是有效日期"):
        call("plan", "run", "年度老年客户回访", "--date", "2025-13-01")


def test_plan_tick_runs_what_is_due(make_plan, elderly, monkeypatch):
    plan = set_active_since(make_plan(), beijing(D(2025, 12, 30), 21))
    monkeypatch.setattr(
        "huifang.automation.services.timezone.now", lambda: beijing(D(2025, 12, 31), 21)
    )

    lines = call("plan", "tick")

    assert lines[-1] == "已执行 1 次，其中失败 0 次"
    assert PlanRun.objects.get(plan=plan).occurrence == D(2025, 12, 31)


def test_plan_run_of_a_date_not_in_the_plan_s_schedule_fails_and_runs_nothing(make_plan, elderly):
    plan = make_plan()

    with pytest.raises(CommandError, match="2025-12-27 不是回访计划“年度老年客户回访”的回访基准日"):
        call("plan", "run", plan.name, "--date", "2025-12-27")

    assert not PlanRun.objects.exists()
