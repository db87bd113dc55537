"""Running an occurrence: exactly once (the unique claim, two workers racing), the
approval flow, the batch a plan makes equals the manual screening + batch, failures kept
and run again by hand, permissions, and the worker's abandoned runs."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.utils import OperationalError

from huifang.automation import services
from huifang.automation.models import PlanMode, PlanRun, PlanRunStatus
from huifang.callbacks import services as callbacks_services
from huifang.callbacks.models import Batch, CallbackTask
from huifang.core.models import AuditEvent
from huifang.rules import services as rules_services
from huifang.rules.models import Hit, Rule, RunStatus, ScreeningRun

from .conftest import beijing, set_active_since

D = datetime.date
DAY = D(2025, 12, 31)


def test_the_database_refuses_a_second_row_for_one_occurrence(make_plan):
    plan = make_plan()
    PlanRun.objects.create(plan=plan, occurrence=DAY)

    with pytest.raises(IntegrityError), transaction.atomic():
        PlanRun.objects.create(plan=plan, occurrence=DAY)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_run_an_occurrence_once(make_plan, elderly):
    plan = set_active_since(make_plan(), beijing(D(2025, 12, 31), 9))
    now = beijing(DAY, 21)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(services.tick(now))
        except OperationalError as exc:  # SQLite "database is locked": nothing claimed
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    made = [run for outcome in outcomes if isinstance(outcome, list) for run in outcome]
    assert len(made) == 1 and made[0].status == PlanRunStatus.DONE
    assert PlanRun.objects.filter(plan=plan).count() == 1
    assert Batch.objects.count() == 1
    assert ScreeningRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="plan_run").count() == 1


def test_an_automatic_plan_freezes_and_creates_the_batch_audited(make_plan, elderly, personas):
    plan = make_plan()

    plan_run = services.do_run_plan(plan, on=DAY, actor=personas["hq_admin"])

    assert plan_run.status == PlanRunStatus.DONE and plan_run.error == ""
    assert plan_run.screening_run.status == RunStatus.FROZEN
    assert plan_run.screening_run.as_of == DAY
    assert plan_run.batch.run_id == plan_run.screening_run.pk
    assert plan_run.batch.business_type == plan.business_type
    event = AuditEvent.objects.get(action="plan_run", object_id=str(plan_run.pk))
    assert event.user == personas["hq_admin"] and plan_run.batch.number in event.message


def test_the_batch_equals_a_manual_screening_and_batch_for_the_same_date_and_rules(
    make_plan, elderly, personas, annual
):
    admin = personas["hq_admin"]

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            run = rules_services.do_run_screening(DAY, rules=["A003"], freeze=True, actor=admin)
            batch = callbacks_services.do_create_batch(run, annual, actor=admin).batch
            manual = {
                "number": batch.number,
                "counts": (batch.hit_count, batch.created_count, batch.merged_count),
                "hits": sorted(Hit.objects.filter(run=run).values_list("customer_id", "reasons")),
                "tasks": sorted(
                    CallbackTask.objects.filter(batch=batch).values_list(
                        "customer_id", "reasons", "deadline", "branch_id"
                    )
                ),
            }
            raise Undo
    except Undo:
        pass
    assert not Batch.objects.exists()

    plan_run = services.do_run_plan(make_plan(), on=DAY, actor=admin)

    batch = plan_run.batch
    assert batch.number == manual["number"]
    assert (batch.hit_count, batch.created_count, batch.merged_count) == manual["counts"]
    hits = Hit.objects.filter(run=plan_run.screening_run).values_list("customer_id", "reasons")
    assert sorted(hits) == manual["hits"] and len(manual["hits"]) == 2
    tasks = CallbackTask.objects.filter(batch=batch).values_list(
        "customer_id", "reasons", "deadline", "branch_id"
    )
    assert sorted(tasks) == manual["tasks"]


def test_a_pinned_version_screens_with_its_own_parameters(make_plan, elderly, personas):
    admin = personas["hq_admin"]
    rule = Rule.objects.get(code="A003")
    first = rule.current_version.number
    rules_services.do_update_rule(rule, {"min_age": "75"}, actor=admin)
    pinned = make_plan("固定版本", rules=[{"code": "A003", "version": first}])
    current = make_plan("当前版本")

    assert services.do_run_plan(pinned, on=DAY, actor=admin).screening_run.hit_count == 2
    assert services.do_run_plan(current, on=DAY, actor=admin).screening_run.hit_count == 1


def test_approval_stops_at_pending_and_one_approval_makes_the_batch(make_plan, elderly, personas):
    plan = make_plan(mode=PlanMode.APPROVAL)
    set_active_since(plan, beijing(DAY, 9))

    [plan_run] = services.tick(beijing(DAY, 21))

    assert plan_run.status == PlanRunStatus.PENDING
    assert plan_run.screening_run.status == RunStatus.PREVIEW and plan_run.batch is None
    assert not Batch.objects.exists()

    approved = services.do_approve(plan_run, actor=personas["hq_admin"])

    assert approved.status == PlanRunStatus.DONE
    assert approved.approved_by == personas["hq_admin"] and approved.approved_at
    assert approved.screening_run.status == RunStatus.FROZEN
    assert approved.batch.run_id == approved.screening_run.pk
    assert AuditEvent.objects.filter(action="plan_approve", object_id=str(plan_run.pk)).exists()
    with pytest.raises(ValidationError, match="不是待审核状态"):
        services.do_approve(plan_run, actor=personas["hq_admin"])
    assert Batch.objects.count() == 1


def test_a_refused_approval_leaves_the_run_pending(make_plan, elderly, personas, annual):
    plan_run = services.do_run_plan(make_plan(mode=PlanMode.APPROVAL), on=DAY, actor=None)
    annual.is_active = False
    annual.save()

    with pytest.raises(ValidationError, match="已停用"):
        services.do_approve(plan_run, actor=personas["hq_admin"])

    plan_run.refresh_from_db()
    assert plan_run.status == PlanRunStatus.PENDING and not Batch.objects.exists()


def test_a_failed_occurrence_is_kept_and_runs_again_by_hand_only(make_plan, elderly, personas):
    admin = personas["hq_admin"]
    plan = set_active_since(make_plan(), beijing(DAY, 9))
    rule = Rule.objects.get(code="A003")
    rule.enabled = False
    rule.save()

    [failed] = services.tick(beijing(DAY, 21))

    assert failed.status == PlanRunStatus.FAILED and "规则已停用" in failed.error
    assert AuditEvent.objects.filter(action="plan_run_failed").count() == 1
    assert services.tick(beijing(DAY, 22)) == []  # the schedule does not retry
    rule.enabled = True
    rule.save()

    retried = services.do_run_plan(plan, on=DAY, actor=admin)

    assert retried.pk == failed.pk and retried.status == PlanRunStatus.DONE
    assert retried.attempts == 2 and retried.error == ""


def test_running_a_date_already_run_by_hand_is_refused(make_plan, elderly, personas):
    plan = make_plan()
    services.do_run_plan(plan, on=DAY, actor=personas["hq_admin"])

    with pytest.raises(ValidationError, match="已执行"):
        services.do_run_plan(plan, on=DAY, actor=personas["hq_admin"])

    assert Batch.objects.count() == 1


def test_a_date_that_is_not_one_of_the_plan_s_reference_dates_is_refused(make_plan, elderly):
    daily = make_plan()
    month_end = make_plan("月末", reference_kind="month_end")

    with pytest.raises(ValidationError, match=r"2025-12-27 不是.*（每个交易日）.*2025-12-26"):
        services.do_run_plan(daily, on=D(2025, 12, 27), actor=None)  # a Saturday
    with pytest.raises(ValidationError, match=r"每月最后一个交易日.*2025-11-28"):
        services.do_run_plan(month_end, on=D(2025, 12, 30), actor=None)

    assert not PlanRun.objects.exists() and not ScreeningRun.objects.exists()
    assert services.do_run_plan(month_end, on=DAY, actor=None).status == PlanRunStatus.DONE


@pytest.mark.parametrize("persona", ["agent_a", "manager_a", "auditor"])
def test_only_hq_admins_run_approve_and_save_plans(make_plan, elderly, personas, persona):
    user = personas[persona]
    plan = make_plan()
    pending = services.do_run_plan(make_plan("审核", mode=PlanMode.APPROVAL), on=DAY, actor=None)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(PermissionDenied):
        services.do_run_plan(plan, on=DAY, actor=user)
    with pytest.raises(PermissionDenied):
        services.do_approve(pending, actor=user)
    with pytest.raises(PermissionDenied):
        services.do_save_plan(plan, {"enabled": False}, actor=user)

    assert not PlanRun.objects.filter(plan=plan).exists()
    pending.refresh_from_db()
    assert pending.status == PlanRunStatus.PENDING
    assert AuditEvent.objects.count() == audit_rows


def test_a_run_left_running_by_a_dead_worker_is_failed_at_start(make_plan):
    plan = make_plan()
    stuck = PlanRun.objects.create(plan=plan, occurrence=DAY, runner="gone")

    assert services.recover_abandoned(lambda runner: runner == "gone") == 1

    stuck.refresh_from_db()
    assert stuck.status == PlanRunStatus.FAILED and "中断" in stuck.error


def test_a_pending_run_whose_preview_was_cleaned_away_is_refused_then_runs_again(
    make_plan, elderly, personas
):
    admin = personas["hq_admin"]
    plan = make_plan(mode=PlanMode.APPROVAL)
    plan_run = services.do_run_plan(plan, on=DAY, actor=admin)
    for _ in range(rules_services.KEEP_PREVIEWS):  # the admin's own later previews
        rules_services.do_run_screening(DAY, rules=["A003"], actor=admin)
    plan_run.refresh_from_db()
    assert plan_run.screening_run is None and plan_run.status == PlanRunStatus.PENDING

    with pytest.raises(ValidationError, match="已被清理"):
        services.do_approve(plan_run, actor=admin)
    again = services.do_run_plan(plan, on=DAY, actor=admin)

    assert again.pk == plan_run.pk and again.status == PlanRunStatus.PENDING
    assert again.screening_run is not None
    assert services.do_approve(again, actor=admin).batch is not None


def test_a_plan_that_distributes_gives_each_office_s_tasks_to_its_agents(
    make_plan, elderly, personas
):
    plan = make_plan(auto_distribute=True)

    plan_run = services.do_run_plan(plan, on=DAY, actor=personas["hq_admin"])

    owners = dict(CallbackTask.objects.values_list("branch__code", "assignee__username"))
    assert owners == {"010101": "agent_a", "010201": "agent_b"}
    assert plan_run.distribution == "自动分配 2 条任务"
    assert "自动分配 2 条任务" in AuditEvent.objects.get(action="plan_run").message


def test_a_plan_without_distribution_leaves_the_tasks_unassigned(make_plan, elderly, personas):
    plan_run = services.do_run_plan(make_plan(), on=DAY, actor=personas["hq_admin"])

    assert plan_run.distribution == ""
    assert not CallbackTask.objects.filter(assignee__isnull=False).exists()


def test_a_plan_s_tasks_with_no_agent_on_duty_wait_for_hand_assignment(
    make_plan, elderly, personas
):
    from huifang.callbacks.models import AgentAbsence

    day = services.timezone.localdate()
    AgentAbsence.objects.create(agent=personas["agent_b"], starts_on=day, ends_on=day)

    plan_run = services.do_run_plan(
        make_plan(auto_distribute=True), on=DAY, actor=personas["hq_admin"]
    )

    assert plan_run.status == PlanRunStatus.DONE
    assert plan_run.distribution == "自动分配 1 条任务，1 条没有在岗的回访专员，待手工分配"
    assert CallbackTask.objects.get(branch__code="010201").assignee is None


def test_approving_a_distributing_plan_s_run_distributes_its_batch(make_plan, elderly, personas):
    plan = make_plan(mode=PlanMode.APPROVAL, auto_distribute=True)
    pending = services.do_run_plan(plan, on=DAY, actor=personas["hq_admin"])

    done = services.do_approve(pending, actor=personas["hq_admin"])

    assert done.distribution == "自动分配 2 条任务"
    assert not CallbackTask.objects.filter(assignee__isnull=True).exists()


def test_a_date_beyond_the_data_fails_saying_to_run_it_again_later(make_plan, elderly, personas):
    from django.utils import timezone

    beyond = timezone.localdate() + datetime.timedelta(days=30)

    failed = services.do_run_plan(make_plan(), on=beyond, actor=personas["hq_admin"])

    assert failed.status == PlanRunStatus.FAILED
    assert failed.error.endswith("请在该日数据导入完整后重新执行")
    assert "勾选" not in failed.error and "--allow-incomplete" not in failed.error
