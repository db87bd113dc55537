"""站内消息 reminders: the worker's pass fires at the right time, for the right people
only, and never twice; the events (assignment, abnormal answer, plan run, failed intake)
reach whom they concern. Time is passed to the pass as ``now`` here; "today" for overdue is
the Beijing date of that ``now``. test_reminder_clock.py moves the clock instead
(time-machine) under the worker's own tasks."""

from __future__ import annotations

import datetime

import pytest

from huifang.automation import reminders
from huifang.automation.models import Notification, NotificationKind, PlanRunStatus
from huifang.automation.signals import intake_failed
from huifang.callbacks import services as callbacks_services
from huifang.core.audit_display import Names, describe
from huifang.core.models import AuditEvent
from huifang.org.models import Role
from tests.automation.conftest import beijing
from tests.conftest import _user
from tests.surveys.conftest import file_data
from tests.surveys.invites import make_task

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = D(2026, 1, 5)
Kind = NotificationKind


@pytest.fixture
def questionnaire(db):
    from huifang.surveys import services as survey_services

    return survey_services.do_import_file(file_data(), publish=True, actor=None).version


@pytest.fixture
def manager_b(branches):
    return _user("manager_b", branches["b"], Role.BRANCH_MANAGER)


def sent(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(kind=kind) if kind else rows)


# ---------------------------------------------------------------- 改约 15 minutes before


@pytest.fixture
def appointment(branches, personas):
    return make_task(
        branches["a1"], assignee=personas["agent_a"], appointment_at=beijing(DAY, 14, 30)
    )


def test_an_appointment_is_not_reminded_earlier_than_15_minutes_before(appointment, personas):
    assert reminders.run_pass(beijing(DAY, 14, 14)) == 0
    assert sent(personas["agent_a"]) == []


def test_an_appointment_is_reminded_15_minutes_before_to_its_agent_only(appointment, personas):
    assert reminders.run_pass(beijing(DAY, 14, 15)) == 1
    [message] = sent(personas["agent_a"], Kind.APPOINTMENT)
    assert "14:30" in message.title and f"#{appointment.pk}" in message.title
    assert message.link == f"/callbacks/tasks/{appointment.pk}/"
    assert Notification.objects.count() == 1


def test_an_appointment_is_reminded_once_across_passes(appointment, personas):
    reminders.run_pass(beijing(DAY, 14, 15))
    assert reminders.run_pass(beijing(DAY, 14, 20)) == 0
    assert len(sent(personas["agent_a"], Kind.APPOINTMENT)) == 1


def test_a_moved_appointment_is_reminded_again(appointment, personas):
    reminders.run_pass(beijing(DAY, 14, 15))
    appointment.appointment_at = beijing(DAY, 16, 0)
    appointment.save()
    reminders.run_pass(beijing(DAY, 15, 50))
    assert len(sent(personas["agent_a"], Kind.APPOINTMENT)) == 2


def test_a_past_appointment_or_a_closed_task_is_not_reminded(appointment, personas):
    assert reminders.run_pass(beijing(DAY, 14, 31)) == 0
    appointment.status = "completed"
    appointment.save()
    assert reminders.run_pass(beijing(DAY, 14, 20)) == 0


def test_the_next_pass_wakes_15_minutes_before_an_appointment(appointment):
    now = beijing(DAY, 14, 10)
    assert reminders.next_wake(now, datetime.timedelta(minutes=10)) == beijing(DAY, 14, 15)
    later = beijing(DAY, 12, 0)
    assert reminders.next_wake(later, datetime.timedelta(minutes=2)) == beijing(DAY, 12, 2)


# ---------------------------------------------------------------- daily digests


@pytest.fixture
def daily(branches, personas):
    """agent_a: two due tomorrow, one overdue; agent_b: one overdue (other branch)."""
    a, b = personas["agent_a"], personas["agent_b"]
    return {
        "due": [
            make_task(branches["a1"], assignee=a, deadline=DAY + datetime.timedelta(1))
            for _ in range(2)
        ],
        "late_a": make_task(branches["a1"], assignee=a, deadline=DAY - datetime.timedelta(1)),
        "late_b": make_task(branches["b1"], assignee=b, deadline=DAY - datetime.timedelta(3)),
        "late_none": make_task(branches["a1"], deadline=DAY - datetime.timedelta(2)),
        "done": make_task(
            branches["a1"], assignee=a, deadline=DAY - datetime.timedelta(1), status="completed"
        ),
    }


def test_daily_reminders_wait_for_the_working_day(daily):
    assert reminders.run_pass(beijing(DAY, 7, 59)) == 0


def test_due_tomorrow_is_one_message_per_agent(daily, personas):
    reminders.run_pass(beijing(DAY, 8, 0))
    [message] = sent(personas["agent_a"], Kind.DUE_TOMORROW)
    assert message.title == "明天（01-06）有 2 条回访任务到期"
    assert "deadline_after=2026-01-06" in message.link and "assignee=me" in message.link
    assert sent(personas["agent_b"], Kind.DUE_TOMORROW) == []


def test_overdue_is_a_daily_digest_per_agent(daily, personas):
    reminders.run_pass(beijing(DAY, 8, 0))
    [mine] = sent(personas["agent_a"], Kind.OVERDUE)
    assert mine.title == "您有 1 条回访任务已逾期"
    [theirs] = sent(personas["agent_b"], Kind.OVERDUE)
    assert theirs.title == "您有 1 条回访任务已逾期"


def test_overdue_digest_is_sent_once_a_day(daily, personas):
    reminders.run_pass(beijing(DAY, 8, 0))
    assert reminders.run_pass(beijing(DAY, 17, 0)) == 0
    assert len(sent(personas["agent_a"], Kind.OVERDUE)) == 1
    reminders.run_pass(beijing(DAY + datetime.timedelta(1), 8, 5))
    assert len(sent(personas["agent_a"], Kind.OVERDUE)) == 2


def test_a_manager_gets_only_their_branch_overdue(daily, personas, manager_b):
    reminders.run_pass(beijing(DAY, 8, 0))
    [a] = sent(personas["manager_a"], Kind.BRANCH_OVERDUE)
    assert a.title == "北京分公司有 2 条回访任务已逾期"  # the unassigned one counts too
    [b] = sent(manager_b, Kind.BRANCH_OVERDUE)
    assert b.title == "上海分公司有 1 条回访任务已逾期"
    assert sent(personas["hq_admin"]) == [] and sent(personas["auditor"]) == []
    assert sent(personas["manager_a"], Kind.OVERDUE) == []


def test_a_pass_that_sends_is_audited_and_a_quiet_one_is_not(daily):
    reminders.run_pass(beijing(DAY, 8, 0))
    event = AuditEvent.objects.get(action="notify")
    assert event.after["count"] == Notification.objects.count() == 4
    assert "逾期任务 2 条" in event.message
    reminders.run_pass(beijing(DAY, 9, 0))
    assert AuditEvent.objects.filter(action="notify").count() == 1


# ---------------------------------------------------------------- events


@pytest.fixture
def two_assigned(branches, personas, django_capture_on_commit_callbacks):
    """manager_a assigns two tasks to agent_a (the commit's callbacks run)."""
    tasks = [make_task(branches["a1"]) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        callbacks_services.do_assign(
            [t.pk for t in tasks], personas["agent_a"], actor=personas["manager_a"]
        )
    return tasks


def test_an_assignment_notifies_the_agent_after_commit(two_assigned, personas):
    [message] = sent(personas["agent_a"], Kind.TASK_ASSIGNED)
    assert message.title == "新分配给您 2 条回访任务"
    assert sent(personas["agent_b"]) == [] and sent(personas["manager_a"]) == []


def test_an_assignment_s_message_is_audited_with_its_recipient(two_assigned):
    event = AuditEvent.objects.get(action="notify")
    assert event.after == {
        "count": 1,
        "kinds": {"task_assigned": 1},
        "recipients": ["agent_a"],
    }
    assert event.message == "生成站内消息 新分配的回访任务 1 条"


def test_an_assignments_link_lists_exactly_its_tasks(
    branches, personas, client, django_capture_on_commit_callbacks
):
    from huifang.callbacks.models import CallbackTask

    earlier = make_task(branches["a1"], assignee=personas["agent_a"])
    CallbackTask.objects.filter(pk=earlier.pk).update(assigned_at=beijing(DAY, 9, 0))
    tasks = [make_task(branches["a1"]) for _ in range(3)]
    make_task(branches["a1"])  # open, in scope, not assigned
    with django_capture_on_commit_callbacks(execute=True):
        callbacks_services.do_assign(
            [t.pk for t in tasks], personas["agent_a"], actor=personas["manager_a"]
        )
    [message] = sent(personas["agent_a"], Kind.TASK_ASSIGNED)
    client.force_login(personas["agent_a"])
    response = client.get(message.link)
    assert response.context["row_count"].value == 3
    assert {row.record.pk for row in response.context["table"].rows} == {t.pk for t in tasks}


def test_one_assigned_task_links_to_itself(branches, personas, django_capture_on_commit_callbacks):
    task = make_task(branches["b1"])
    with django_capture_on_commit_callbacks(execute=True):
        callbacks_services.do_assign([task.pk], personas["agent_b"], actor=personas["hq_admin"])
    [message] = sent(personas["agent_b"], Kind.TASK_ASSIGNED)
    assert message.link == f"/callbacks/tasks/{task.pk}/"


def test_an_abnormal_answer_notifies_the_branch_managers_only(
    branches, personas, manager_b, questionnaire, django_capture_on_commit_callbacks
):
    from huifang.surveys import sending
    from huifang.surveys.models import Invitation
    from huifang.surveys.writeback import do_submit_response

    task = make_task(branches["a1"])
    sending.do_invite([task.pk], channel="h5", actor=None)
    invitation = Invitation.objects.get(task=task, channel="h5")
    with django_capture_on_commit_callbacks(execute=True):
        response = do_submit_response(
            invitation,
            {"answers": [{"question": "identity", "options": ["no"], "note": "家人代开"}]},
            channel="h5",
            actor=None,
        )
    [message] = sent(personas["manager_a"], Kind.ABNORMAL_ANSWER)
    assert f"#{task.pk}" in message.title and "1 题异常" in message.title
    assert message.link == f"/surveys/responses/{response.pk}/"
    assert sent(manager_b) == [] and sent(personas["agent_a"]) == []
    # The answers' automatic 反馈营业部 is not announced a second time.
    assert sent(personas["manager_a"], Kind.BRANCH_FEEDBACK) == []


def test_a_feedback_to_the_branch_notifies_its_managers_only(
    branches, personas, manager_b, django_capture_on_commit_callbacks
):
    """反馈营业部 says it notifies the branch manager; it used to wait unseen in the list."""
    from huifang.callbacks.records import services as record_services

    task = make_task(branches["a1"], assignee=personas["agent_a"])
    with django_capture_on_commit_callbacks(execute=True):
        feedback = record_services.do_feedback(
            task, "客户投诉营业部服务，请跟进", actor=personas["agent_a"]
        )
    [message] = sent(personas["manager_a"], Kind.BRANCH_FEEDBACK)
    assert f"#{task.pk}" in message.title and "客户投诉" not in message.body
    assert message.link == "/records/feedback/?handled=false"
    assert message.dedupe_key == f"feedback:{feedback.pk}"
    assert sent(manager_b) == [] and sent(personas["agent_a"]) == []


def test_a_plan_waiting_for_approval_notifies_hq_and_the_plans_people(
    make_plan, elderly, personas, django_capture_on_commit_callbacks
):
    from huifang.automation import services
    from huifang.automation.models import PlanMode

    plan = make_plan(mode=PlanMode.APPROVAL)
    plan.notify.set([personas["manager_a"]])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.do_run_plan(plan, on=D(2025, 12, 31), actor=personas["hq_admin"])
    assert run.status == PlanRunStatus.PENDING
    [hq] = sent(personas["hq_admin"], Kind.PLAN_PENDING)
    assert hq.title == f"回访计划“{plan.name}”基准日 2025-12-31 待审核"
    assert hq.link == f"/plans/{plan.pk}/"
    assert len(sent(personas["manager_a"], Kind.PLAN_PENDING)) == 1
    assert sent(personas["agent_a"]) == []
    # The pass's catch-up finds it already sent.
    assert reminders.run_pass(run.finished_at) == 0


def test_a_plan_s_new_batch_is_told_to_the_plan_s_people_only(
    make_plan, elderly, personas, django_capture_on_commit_callbacks
):
    from huifang.automation import services

    plan = make_plan()
    plan.notify.set([personas["auditor"]])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.do_run_plan(plan, on=D(2025, 12, 31), actor=None)

    [told] = sent(personas["auditor"], Kind.PLAN_DONE)
    assert told.title == f"回访计划“{plan.name}”基准日 2025-12-31 已生成批次 {run.batch.number}"
    assert told.link == f"/plans/{plan.pk}/"
    assert sent(personas["hq_admin"]) == []  # HQ is told of what waits or failed only


def test_an_approved_run_tells_the_plan_s_people_of_its_batch(
    make_plan, elderly, personas, django_capture_on_commit_callbacks
):
    from huifang.automation import services
    from huifang.automation.models import PlanMode

    plan = make_plan(mode=PlanMode.APPROVAL)
    plan.notify.set([personas["auditor"]])
    pending = services.do_run_plan(plan, on=D(2025, 12, 31), actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.do_approve(pending, actor=personas["hq_admin"])

    [told] = sent(personas["auditor"], Kind.PLAN_DONE)
    assert done.batch.number in told.title


def test_a_failed_plan_run_is_caught_up_by_the_pass(make_plan, personas):
    from huifang.automation.models import PlanRun

    plan = make_plan()
    now = beijing(DAY, 21, 0)
    run = PlanRun.objects.create(
        plan=plan, occurrence=DAY, status=PlanRunStatus.FAILED, error="数据不全", finished_at=now
    )
    assert reminders.run_pass(now) == 1
    [message] = sent(personas["hq_admin"], Kind.PLAN_FAILED)
    assert "执行失败" in message.title and "数据不全" in message.body
    run.refresh_from_db()
    assert reminders.run_pass(now) == 0


def test_a_failed_intake_notifies_hq_admins_once(personas):
    class IntakeRun:  # what the intake sends: its IntakeRun (dataset, file, status, error)
        pk = 7
        error = "第 3 行：投资者代码为空"

        def __str__(self):
            return "自动导入 客户资料 2026-01-05.csv"

        def get_status_display(self):
            return "已拒绝"

    intake_failed.send_robust(sender=IntakeRun, intake_run=IntakeRun())
    intake_failed.send_robust(sender=IntakeRun, intake_run=IntakeRun())
    [message] = sent(personas["hq_admin"], Kind.INTAKE_FAILED)
    assert message.title == "自动导入 客户资料 2026-01-05.csv：已拒绝"
    assert "投资者代码为空" in message.body
    assert Notification.objects.count() == 1


def test_a_refused_drop_folder_file_reaches_hq(
    branches, personas, settings, tmp_path, django_capture_on_commit_callbacks
):
    from huifang.automation import intake
    from huifang.automation.models import IntakeRun

    settings.INTAKE_DIR = tmp_path / "intake"
    settings.INTAKE_SETTLE_SECONDS = 0
    path = settings.INTAKE_DIR / "branches" / "bad.csv"
    path.parent.mkdir(parents=True)
    path.write_text("不是表头\nx\n", encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        intake.run_pass()

    run = IntakeRun.objects.get()
    [message] = sent(personas["hq_admin"], Kind.INTAKE_FAILED)
    assert message.title.startswith(f"{run}：") and message.link == "/plans/intake/"
    assert message.dedupe_key == f"intake:{run.pk}"
    assert sent(personas["manager_a"]) == [] and sent(personas["agent_a"]) == []


def test_an_assignments_link_lists_the_tasks_still_assigned_and_its_message_says_so(
    branches, personas, client, django_capture_on_commit_callbacks
):
    """One of three is given to another agent since: the link lists the two still the
    recipient's (the reassigned one is the other agent's now), and the message says that
    it lists those (it keeps how many were assigned)."""
    tasks = [make_task(branches["a1"]) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        callbacks_services.do_assign(
            [t.pk for t in tasks], personas["agent_a"], actor=personas["manager_a"]
        )
    [message] = sent(personas["agent_a"], Kind.TASK_ASSIGNED)
    colleague = _user("agent_a2", branches["a1"], Role.AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        callbacks_services.do_assign([tasks[0].pk], colleague, actor=personas["manager_a"])
    assert message.title == "新分配给您 3 条回访任务"
    assert message.body.endswith(reminders.ASSIGNMENT_LINK_NOTE)
    assert "仍由您负责" in message.body and "改派" in message.body
    client.force_login(personas["agent_a"])
    response = client.get(message.link)
    assert {row.record.pk for row in response.context["table"].rows} == {
        tasks[1].pk,
        tasks[2].pk,
    }
    assert response.context["row_count"].value == 2


def test_an_assignment_s_audit_row_reads_its_kinds_in_chinese(two_assigned):
    event = AuditEvent.objects.get(action="notify")
    text = describe(event, Names()).changes_text()
    assert "各类型条数：新分配的回访任务：1" in text
    assert "task_assigned" not in text
