"""The task's counters (回访次数, 未接通次数, 最近回访时间, 改约时间) are kept incrementally when
a record is registered; they must always equal the recomputation from the task's records,
whatever mix of records, edits, changes of a reason's 计为未接通 and closings came before."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.core.models import AuditEvent

REASONS = ["无人接听", "关机", "客户拒绝回访", "客户要求改约", "其他", "空号/号码错误"]

record_step = st.tuples(
    st.just("record"),
    st.sampled_from(["success", "failure", "failure", "failure", "other"]),
    st.sampled_from(REASONS),
    st.integers(min_value=1, max_value=600),  # minutes before now: out of order on purpose
)
edit_step = st.tuples(
    st.just("edit"),
    st.sampled_from(["failure", "other"]),
    st.sampled_from(REASONS),
    st.integers(min_value=0, max_value=20),  # which record
)
flip_step = st.tuples(st.just("flip"), st.sampled_from(REASONS))
close_step = st.tuples(st.just("close"))
steps = st.lists(
    st.one_of(record_step, record_step, record_step, edit_step, flip_step, close_step),
    min_size=1,
    max_size=12,
)


def stored(task) -> dict:
    task.refresh_from_db()
    return {name: getattr(task, name) for name in services.COUNTER_FIELDS}


def data_for(status: str, reason_name: str, minutes: int) -> dict:
    called_at = (timezone.now() - datetime.timedelta(minutes=minutes)).replace(microsecond=0)
    reason = FailureReason.objects.get(name=reason_name) if status == "failure" else None
    values = {
        "status": status,
        "failure_reason": reason,
        "method": "phone",
        "called_at": called_at,
        "duration_seconds": 30,
        "remark": "备注",
    }
    if reason is not None and reason.asks_appointment:
        values["appointment_at"] = called_at + datetime.timedelta(days=1, minutes=minutes)
    return values


def apply(step, task, personas) -> None:
    agent, hq = personas["agent_a"], personas["hq_admin"]
    kind = step[0]
    if kind == "record":
        _, status, reason_name, minutes = step
        try:
            services.do_create_record(task, data_for(status, reason_name, minutes), actor=agent)
        except ValidationError:
            task.refresh_from_db()
            assert not task.is_open  # only a closed task refuses these records
    elif kind == "edit":
        _, status, reason_name, which = step
        records = list(CallbackRecord.objects.filter(task=task).order_by("id"))
        if not records:
            return
        record = records[which % len(records)]
        data = data_for(status, reason_name, 30)
        data["called_at"] = record.called_at
        try:
            services.do_update_record(record, data, actor=hq, expected_version=record.version)
        except ValidationError:
            pass  # e.g. the success that completed the task may not become a failure
    elif kind == "flip":
        reason = FailureReason.objects.get(name=step[1])
        services.do_save_failure_reason(
            reason, {"counts_as_unanswered": not reason.counts_as_unanswered}, actor=hq
        )
    else:
        task.refresh_from_db()
        cap = task.business_type.max_unanswered_attempts
        recomputed = services.recomputed_counters(task)["unanswered_count"]
        if not task.is_open:
            return
        if recomputed >= cap:
            services.do_close_unreachable(task, actor=personas["manager_a"])
            task.refresh_from_db()
            assert task.status == "unreachable"
        else:
            with pytest.raises(ValidationError, match="才能关闭"):
                services.do_close_unreachable(task, actor=personas["manager_a"])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_counters_equal_the_recomputation_after_any_sequence(make_task, personas, sequence):
    task = make_task("a1")
    for step in sequence:
        apply(step, task, personas)
        assert stored(task) == services.recomputed_counters(task), step


def test_attempt_caps_close_as_unreachable_counting_only_unanswered_reasons(
    task, personas, content, reason
):
    agent, manager = personas["agent_a"], personas["manager_a"]
    for name in ["关机", "客户拒绝回访", "无人接听"]:  # 客户拒绝回访 does not count
        services.do_create_record(
            task, content(status="failure", failure_reason=reason(name)), actor=agent
        )
    assert stored(task)["unanswered_count"] == 2 == task.business_type.max_unanswered_attempts - 1
    with pytest.raises(ValidationError, match="达到 3 次后才能关闭"):
        services.do_close_unreachable(task, actor=manager)
    services.do_create_record(
        task, content(status="failure", failure_reason=reason("占线")), actor=agent
    )
    services.do_close_unreachable(task, actor=manager)
    task.refresh_from_db()
    assert task.status == "unreachable"
    assert stored(task) == services.recomputed_counters(task)


def test_a_backdated_record_keeps_the_latest_appointment(task, personas, content, reason):
    agent = personas["agent_a"]
    now = timezone.now().replace(microsecond=0)
    agreed = now + datetime.timedelta(days=3)
    services.do_create_record(
        task,
        content(
            status="failure",
            failure_reason=reason("客户要求改约"),
            called_at=now - datetime.timedelta(minutes=5),
            appointment_at=agreed,
        ),
        actor=agent,
    )
    services.do_create_record(  # entered later, called earlier: not the latest attempt
        task,
        content(
            status="failure",
            failure_reason=reason("关机"),
            called_at=now - datetime.timedelta(hours=2),
        ),
        actor=agent,
    )
    counters = stored(task)
    assert counters["appointment_at"] == agreed
    assert counters["last_attempt_at"] == now - datetime.timedelta(minutes=5)
    assert counters == services.recomputed_counters(task)


def test_changing_counts_as_unanswered_recounts_the_tasks_audited(
    make_task, personas, content, reason
):
    agent, hq = personas["agent_a"], personas["hq_admin"]
    refused, other = make_task("a1"), make_task("a1")
    services.do_create_record(
        refused, content(status="failure", failure_reason=reason("客户拒绝回访")), actor=agent
    )
    services.do_create_record(
        other, content(status="failure", failure_reason=reason("关机")), actor=agent
    )
    services.do_save_failure_reason(
        reason("客户拒绝回访"), {"counts_as_unanswered": True}, actor=hq
    )
    assert stored(refused)["unanswered_count"] == 1
    assert stored(other)["unanswered_count"] == 1  # untouched: another reason
    row = AuditEvent.objects.filter(action="task_attempts", object_id=str(refused.pk)).latest("id")
    assert (row.before, row.after) == ({"unanswered_count": 0}, {"unanswered_count": 1})
    assert "客户拒绝回访" in row.message and row.user == hq
    assert not AuditEvent.objects.filter(
        action="task_attempts", object_id=str(other.pk), message__contains="重新计数"
    ).exists()


def test_registering_writes_the_same_audit_rows_in_order(task, personas, content, reason):
    services.do_create_record(
        task,
        content(status="failure", failure_reason=reason("空号/号码错误")),
        actor=personas["agent_a"],
    )
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "object_type"))
    assert rows[-4:] == [
        ("record_create", "records.callbackrecord"),
        ("task_attempts", "callbacks.callbacktask"),
        ("feedback", "records.branchfeedback"),
        ("task_start", "callbacks.callbacktask"),
    ]
    attempts = AuditEvent.objects.get(action="task_attempts")
    assert attempts.after["attempt_count"] == 1 and attempts.before["attempt_count"] == 0
    assert attempts.user == personas["agent_a"] and attempts.message.startswith("回访记录 #")
