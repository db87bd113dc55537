"""The result mapping: each result writes the right record (through the records service)
or none; attempt caps let the task close as 无法联系 as for manual records."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from huifang.callbacks.records import services as records
from huifang.channels.calls.models import CallAttempt, ResultMapping

FAILURES = [
    ("no_answer", "无人接听"),
    ("busy", "占线"),
    ("power_off", "关机"),
    ("invalid_number", "空号/号码错误"),
    ("rejected", "客户拒绝回访"),
]


def _ingest(payload):
    from huifang.channels.calls.services import do_ingest_call
    from huifang.core.actors import Actor

    return do_ingest_call(payload, source="webhook", actor=Actor.partner("外呼平台"))


@pytest.mark.django_db
@pytest.mark.parametrize("result, reason_name", FAILURES)
def test_a_failed_call_writes_a_failure_record_with_its_reason(pushed, call, result, reason_name):
    task, ref = pushed()
    attempt, record = _ingest(call(ref, result))
    assert record is not None and attempt.record == record
    assert (record.status, record.failure_reason.name, record.method) == (
        "failure",
        reason_name,
        "outbound",
    )
    assert record.agent == task.assignee
    assert record.created_via == "partner:外呼平台"
    task.refresh_from_db()
    assert (task.status, task.attempt_count) == ("in_progress", 1)


@pytest.mark.django_db
def test_connected_with_the_ivr_confirmation_completes_the_task(pushed, call):
    task, ref = pushed()
    _, record = _ingest(call(ref, "connected", ivr={"confirm": "1"}))
    assert (record.status, record.method) == ("success", "outbound")
    task.refresh_from_db()
    assert task.status == "completed"


@pytest.mark.django_db
def test_connected_without_the_confirmation_waits_for_an_agent(pushed, call):
    task, ref = pushed()
    attempt, record = _ingest(call(ref, "connected", ivr={"confirm": "2"}))
    assert record is None
    assert "等待坐席" in attempt.note
    task.refresh_from_db()
    assert task.attempt_count == 0


@pytest.mark.django_db
def test_other_waits_for_an_agent(pushed, call):
    _, ref = pushed()
    _, record = _ingest(call(ref, "other"))
    assert record is None


@pytest.mark.django_db
def test_a_task_nobody_is_assigned_to_gets_its_record_with_no_agent(pushed, call):
    task, ref = pushed(assignee=False)
    _, record = _ingest(call(ref, "busy"))
    assert record is not None and record.agent is None
    assert record.status == "failure" and record.method == "outbound"
    task.refresh_from_db()
    assert task.attempt_count == 1


@pytest.mark.django_db
def test_a_recording_is_kept_as_a_reference_with_its_sha256(pushed, call):
    _, ref = pushed()
    sha = "ab" * 32
    _, record = _ingest(
        call(ref, "busy", recording={"url": "https://rec.example.com/1.mp3", "sha256": sha.upper()})
    )
    attachment = record.attachments.get()
    assert (attachment.kind, attachment.reference, attachment.sha256) == (
        "recording",
        "https://rec.example.com/1.mp3",
        sha,
    )


@pytest.mark.django_db
def test_a_result_mapped_to_wait_writes_no_record(pushed, call):
    ResultMapping.objects.filter(result="busy").update(
        action="wait", status="", failure_reason=None
    )
    _, ref = pushed()
    _, record = _ingest(call(ref, "busy"))
    assert record is None
    assert CallAttempt.objects.get().record is None


@pytest.mark.django_db
def test_unanswered_calls_up_to_the_cap_let_the_manager_close_the_task_as_unreachable(
    pushed, call, personas
):
    task, ref = pushed()  # the business type's cap is 3
    for n in (1, 2):
        _ingest(call(ref, "no_answer", attempt=n, call_id="C-cap"))
    with pytest.raises(ValidationError):
        records.do_close_unreachable(task, actor=personas["manager_a"])
    _ingest(call(ref, "power_off", attempt=3, call_id="C-cap"))
    task.refresh_from_db()
    assert task.unanswered_count == 3
    records.do_close_unreachable(task, actor=personas["manager_a"])
    task.refresh_from_db()
    assert task.status == "unreachable"


@pytest.mark.django_db
def test_a_result_after_the_task_closed_is_kept_without_a_record(pushed, call):
    task, ref = pushed()
    _ingest(call(ref, "connected", attempt=2, call_id="C-late", ivr={"confirm": "1"}))
    attempt, record = _ingest(call(ref, "busy", attempt=1, call_id="C-late"))
    assert record is None
    assert "已完成" in attempt.note
    assert CallAttempt.objects.filter(task=task).count() == 2


@pytest.mark.django_db
def test_the_mapping_is_seeded_for_every_result():
    from huifang.channels.calls.choices import CallResult

    assert set(ResultMapping.objects.values_list("result", flat=True)) == set(CallResult.values)


@pytest.mark.django_db
def test_hq_changes_a_mapping_audited(personas, reason):
    from huifang.channels.calls.services import do_save_mapping
    from huifang.core.models import AuditEvent

    mapping = ResultMapping.objects.get(result="other")
    do_save_mapping(
        mapping,
        {"action": "record", "status": "failure", "failure_reason": reason("其他")},
        actor=personas["hq_admin"],
    )
    mapping.refresh_from_db()
    assert (mapping.action, mapping.status, mapping.failure_reason.name) == (
        "record",
        "failure",
        "其他",
    )
    assert AuditEvent.objects.filter(action="call_mapping_change").count() == 1


@pytest.mark.django_db
def test_a_failure_mapping_without_a_reason_is_refused(personas):
    from huifang.channels.calls.services import do_save_mapping

    with pytest.raises(ValidationError):
        do_save_mapping(
            ResultMapping.objects.get(result="busy"),
            {"action": "record", "status": "failure", "failure_reason": None},
            actor=personas["hq_admin"],
        )
