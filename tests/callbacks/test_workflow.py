"""Task workflow: defined transitions only, each audited; assignment and cancelling."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from huifang.callbacks import distribution, services
from huifang.callbacks.models import CallbackTask
from huifang.core.models import AuditEvent
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(branches, personas, annual):
    """Two tasks in Beijing's 营业部 (010101), one in Shanghai's (010201)."""
    a1 = [make_customer(branches["a1"]) for _ in range(2)]
    b1 = make_customer(branches["b1"])
    services.do_create_batch(
        make_run({a1[0]: ["A003"], a1[1]: ["A002"], b1: ["A005"]}),
        annual,
        actor=personas["hq_admin"],
    )
    return {
        "a": list(CallbackTask.objects.filter(branch=branches["a1"]).order_by("pk")),
        "b": CallbackTask.objects.get(branch=branches["b1"]),
    }


@dataclass
class Record:
    """Stand-in for the next step's callback record (what ``do_complete`` reads)."""

    pk: int
    task_id: int
    is_success: bool


def history(task):
    return list(
        AuditEvent.objects.filter(object_type="callbacks.callbacktask", object_id=str(task.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_start_moves_new_to_in_progress_and_is_audited(tasks, personas):
    task = tasks["a"][0]

    services.do_start(task, actor=personas["agent_a"])

    assert task.status == "in_progress"
    event = AuditEvent.objects.get(action="task_start", object_id=str(task.pk))
    assert event.before == {"status": "new"} and event.after == {"status": "in_progress"}
    assert event.user == personas["agent_a"]


def test_starting_twice_is_an_illegal_transition(tasks, personas):
    task = tasks["a"][0]
    services.do_start(task, actor=personas["agent_a"])

    with pytest.raises(ValidationError, match="不能执行“开始处理”"):
        services.do_start(task, actor=personas["agent_a"])
    assert history(task) == ["task_start"]


def test_complete_needs_a_successful_record_of_this_task(tasks, personas):
    task, other = tasks["a"]

    with pytest.raises(ValidationError, match="回访记录"):
        services.do_complete(task, None, actor=personas["agent_a"])
    with pytest.raises(ValidationError, match="回访记录"):
        services.do_complete(task, Record(1, other.pk, True), actor=personas["agent_a"])
    with pytest.raises(ValidationError, match="成功"):
        services.do_complete(task, Record(2, task.pk, False), actor=personas["agent_a"])
    task.refresh_from_db()
    assert task.status == "new" and history(task) == []

    services.do_complete(task, Record(3, task.pk, True), actor=personas["agent_a"])
    assert task.status == "completed" and history(task) == ["task_complete"]


def test_completed_task_cannot_be_cancelled(tasks, personas):
    task = tasks["a"][0]
    services.do_complete(task, Record(1, task.pk, True), actor=personas["agent_a"])

    with pytest.raises(ValidationError, match="已完成"):
        services.do_cancel([task.pk], "不再需要", actor=personas["manager_a"])
    task.refresh_from_db()
    assert task.status == "completed"


def test_unreachable_only_after_the_business_types_attempt_cap(tasks, personas, annual):
    task = tasks["a"][0]
    with pytest.raises(ValidationError, match="未接通 0 次"):
        services.do_mark_unreachable(task, actor=personas["agent_a"])

    CallbackTask.objects.filter(pk=task.pk).update(unanswered_count=annual.max_unanswered_attempts)
    services.do_mark_unreachable(task, actor=personas["agent_a"])

    assert task.status == "unreachable" and task.closed_at is not None


def test_cancel_needs_a_reason_and_records_it(tasks, personas):
    ids = [t.pk for t in tasks["a"]]
    with pytest.raises(ValidationError, match="取消原因"):
        services.do_cancel(ids, "  ", actor=personas["manager_a"])

    assert services.do_cancel(ids, "客户已离职", actor=personas["manager_a"]) == 2

    for task in CallbackTask.objects.filter(pk__in=ids):
        assert task.status == "cancelled" and task.close_reason == "客户已离职"
        assert history(task) == ["task_cancel"]


def test_bulk_cancel_with_an_out_of_scope_task_changes_nothing(tasks, personas):
    ids = [tasks["a"][0].pk, tasks["b"].pk]

    with pytest.raises(PermissionDenied):
        services.do_cancel(ids, "不再需要", actor=personas["manager_a"])

    assert set(CallbackTask.objects.values_list("status", flat=True)) == {"new"}
    assert not AuditEvent.objects.filter(action="task_cancel").exists()


def test_agents_may_not_cancel_or_assign(tasks, personas):
    task = tasks["a"][0]
    with pytest.raises(PermissionDenied):
        services.do_cancel([task.pk], "不想做", actor=personas["agent_a"])
    with pytest.raises(PermissionDenied):
        services.do_assign([task.pk], personas["agent_a"], actor=personas["agent_a"])


def test_assign_to_an_agent_in_scope(tasks, personas):
    ids = [t.pk for t in tasks["a"]]

    assert services.do_assign(ids, personas["agent_a"], actor=personas["manager_a"]).changed == 2

    assert set(CallbackTask.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {
        personas["agent_a"].pk
    }
    event = AuditEvent.objects.filter(action="assign").first()
    assert event.after["assignee"] == personas["agent_a"].pk


def test_a_reassignment_keeps_who_had_the_task_before(tasks, personas):
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    other = do_create_user(
        username="agent_a2", password=None, branch=tasks["a"][0].branch, role=Role.AGENT
    )
    task = tasks["a"][0]
    services.do_assign([task.pk], personas["agent_a"], actor=personas["manager_a"])

    services.do_assign([task.pk], other, actor=personas["manager_a"])

    event = AuditEvent.objects.filter(action="assign", object_id=task.pk).order_by("pk").last()
    assert event.before == {"assignee": personas["agent_a"].pk, "assignee_name": "agent_a"}
    assert event.after == {"assignee": other.pk, "assignee_name": "agent_a2"}


def test_assign_to_an_agent_out_of_scope_is_refused(tasks, personas):
    with pytest.raises(PermissionDenied):
        services.do_assign([tasks["a"][0].pk], personas["agent_b"], actor=personas["manager_a"])
    assert CallbackTask.objects.filter(assignee__isnull=False).count() == 0


def test_assign_a_task_the_agent_cannot_see_is_refused(tasks, personas):
    ids = [tasks["a"][0].pk, tasks["b"].pk]
    with pytest.raises(ValidationError, match="看不到"):
        services.do_assign(ids, personas["agent_a"], actor=personas["hq_admin"])
    assert CallbackTask.objects.filter(assignee__isnull=False).count() == 0


def test_auto_distribute_shares_evenly(branches, personas, annual):
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    second = do_create_user(
        username="agent_a2",
        password="Huifang-test-2026",
        branch=branches["a1"],
        role=Role.AGENT,
        full_name="agent_a2",
    )
    customers = [make_customer(branches["a1"]) for _ in range(5)]
    services.do_create_batch(
        make_run({c: ["A003"] for c in customers}), annual, actor=personas["hq_admin"]
    )
    ids = list(CallbackTask.objects.values_list("pk", flat=True))

    shares = distribution.do_auto_distribute(ids, branches["a"], actor=personas["manager_a"]).shares

    assert sorted(shares.values()) == [2, 3]
    assert set(shares) == {personas["agent_a"].username, second.username}
    assert AuditEvent.objects.filter(action="distribute").count() == 5


def test_closing_customers_cancels_their_open_tasks(tasks, personas):
    task = tasks["a"][0]

    changed = services.cancel_for_closed_customers([task.customer_id])

    task.refresh_from_db()
    assert changed == 1
    assert task.status == "cancelled" and task.close_reason == "客户已销户"
    assert history(task) == ["task_cancel"]
    assert CallbackTask.objects.filter(pk=tasks["a"][1].pk, status="new").exists()


def test_customers_closed_signal_cancels_open_tasks_not_deletes(tasks, personas):
    from huifang.customers.signals import customers_closed

    task = tasks["a"][0]
    customers_closed.send(sender=None, customer_ids=[task.customer_id], import_record=None)

    task.refresh_from_db()
    assert task.status == "cancelled" and task.close_reason == "客户已销户"
    assert AuditEvent.objects.filter(action="task_cancel", object_id=str(task.pk)).exists()
