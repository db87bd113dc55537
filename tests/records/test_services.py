"""Registering and correcting callback records through the services: every rule refused
with nothing written, the task's workflow, optimistic locking and the version history."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.models import (
    BranchFeedback,
    CallbackRecord,
    FailureReason,
    RecordAttachment,
    RecordVersion,
)
from huifang.core.models import AuditEvent


def counts() -> tuple[int, int, int, int]:
    return (
        CallbackRecord.objects.count(),
        RecordVersion.objects.count(),
        RecordAttachment.objects.count(),
        BranchFeedback.objects.count(),
    )


def refused(task, data, actor, error=ValidationError, **kwargs):
    before = counts(), AuditEvent.objects.count()
    with pytest.raises(error) as caught:
        services.do_create_record(task, data, actor=actor, **kwargs)
    assert (counts(), AuditEvent.objects.count()) == before
    task.refresh_from_db()
    assert task.attempt_count == 0 and task.status == "new"
    return caught.value


def test_failure_without_reason_is_refused(task, personas, content):
    exc = refused(task, content(status="failure"), personas["agent_a"])
    assert exc.message_dict["failure_reason"] == ["回访状态为“失败”时必须选择失败原因"]


def test_other_without_remark_is_refused(task, personas, content):
    exc = refused(task, content(status="other"), personas["agent_a"])
    assert "必须填写备注" in exc.message_dict["remark"][0]


def test_reason_flagged_remark_required_needs_a_remark(task, personas, content, reason):
    exc = refused(
        task, content(status="failure", failure_reason=reason("其他")), personas["agent_a"]
    )
    assert exc.message_dict["remark"] == ["失败原因“其他”须填写备注"]


def test_future_date_is_refused(task, personas, content):
    later = timezone.now() + datetime.timedelta(days=1)
    exc = refused(task, content(called_at=later), personas["agent_a"])
    assert exc.message_dict["called_at"] == ["回访时间不能晚于当前时间"]


@pytest.mark.parametrize("duration", [-1, "-30", "abc"])
def test_negative_or_garbled_duration_is_refused(task, personas, content, duration):
    exc = refused(task, content(duration_seconds=duration), personas["agent_a"])
    assert "回访时长" in exc.message_dict["duration_seconds"][0]


def test_reschedule_without_agreed_time_is_refused(task, personas, content, reason):
    data = content(status="failure", failure_reason=reason("客户要求改约"))
    exc = refused(task, data, personas["agent_a"])
    assert exc.message_dict["appointment_at"] == ["客户要求改约时必须填写约定的回访时间"]


def test_record_for_out_of_scope_task_is_refused(task, personas, content):
    exc = refused(task, content(), personas["agent_b"], error=PermissionDenied)
    assert "权限范围" in str(exc)


def test_auditor_cannot_register(task, personas, content):
    refused(task, content(), personas["auditor"], error=PermissionDenied)


def test_duration_accepts_seconds_and_minutes():
    assert services.parse_duration("95") == 95
    assert services.parse_duration("01:35") == 95
    assert services.parse_duration("1:02:03") == 3723


def test_success_completes_the_task_audited(task, personas, content):
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    task.refresh_from_db()
    assert task.status == "completed" and task.attempt_count == 1
    assert record.duration_seconds == 95 and record.agent == personas["agent_a"]
    actions = list(
        AuditEvent.objects.filter(object_id=str(task.pk), object_type="callbacks.callbacktask")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["task_attempts", "task_complete"]
    assert AuditEvent.objects.get(action="record_create").user == personas["agent_a"]


def test_failures_count_attempts_and_unanswered(task, personas, content, reason):
    agent = personas["agent_a"]
    services.do_create_record(
        task, content(status="failure", failure_reason=reason("无人接听")), actor=agent
    )
    task.refresh_from_db()
    assert (task.status, task.attempt_count, task.unanswered_count) == ("in_progress", 1, 1)
    assert AuditEvent.objects.filter(action="task_start", object_id=str(task.pk)).exists()
    services.do_create_record(
        task, content(status="failure", failure_reason=reason("客户拒绝回访")), actor=agent
    )
    task.refresh_from_db()
    assert (task.status, task.attempt_count, task.unanswered_count) == ("in_progress", 2, 1)


def _unanswered(task, agent, content, reason, times):
    for _ in range(times):
        services.do_create_record(
            task, content(status="failure", failure_reason=reason("关机")), actor=agent
        )


def test_unreachable_only_after_the_maximum(task, personas, content, reason):
    manager = personas["manager_a"]
    _unanswered(task, personas["agent_a"], content, reason, 2)
    with pytest.raises(ValidationError, match="达到 3 次后才能关闭"):
        services.do_close_unreachable(task, actor=manager)
    task.refresh_from_db()
    assert task.status == "in_progress"
    _unanswered(task, personas["agent_a"], content, reason, 1)
    services.do_close_unreachable(task, actor=manager, reason="三次未接通")
    task.refresh_from_db()
    assert task.status == "unreachable" and task.close_reason == "三次未接通"
    assert AuditEvent.objects.filter(action="task_unreachable", object_id=str(task.pk)).exists()


def test_agent_cannot_close_as_unreachable(task, personas, content, reason):
    _unanswered(task, personas["agent_a"], content, reason, 3)
    with pytest.raises(PermissionDenied):
        services.do_close_unreachable(task, actor=personas["agent_a"])


def test_closed_task_takes_no_more_records(task, personas, content):
    services.do_create_record(task, content(), actor=personas["agent_a"])
    with pytest.raises(ValidationError, match="不能再登记"):
        services.do_create_record(task, content(), actor=personas["agent_a"])
    assert CallbackRecord.objects.count() == 1


def test_reschedule_sets_the_task_appointment(task, personas, content, reason):
    agreed = timezone.now() + datetime.timedelta(days=2)
    data = content(status="failure", failure_reason=reason("客户要求改约"), appointment_at=agreed)
    services.do_create_record(task, data, actor=personas["agent_a"])
    task.refresh_from_db()
    assert task.appointment_at == agreed and task.unanswered_count == 0


def test_final_reason_notifies_the_branch(task, personas, content, reason):
    data = content(status="failure", failure_reason=reason("空号/号码错误"))
    record = services.do_create_record(task, data, actor=personas["agent_a"])
    feedback = BranchFeedback.objects.get()
    assert feedback.branch == task.branch and feedback.record == record
    record.refresh_from_db()
    assert record.feedback_at is not None


def test_feedback_text_notifies_and_manager_handles(task, personas, content):
    services.do_create_record(task, content(), actor=personas["agent_a"], feedback="客户投诉手续费")
    feedback = BranchFeedback.objects.get()
    assert feedback.message == "客户投诉手续费"
    services.do_handle_feedback(feedback, "已联系客户", actor=personas["manager_a"])
    feedback.refresh_from_db()
    assert feedback.handled_by == personas["manager_a"]
    with pytest.raises(PermissionDenied):
        services.do_handle_feedback(feedback, "", actor=personas["agent_b"])


def test_second_concurrent_registration_is_refused(task, personas, content, reason):
    seen = task.attempt_count  # both agents opened the form on 0 attempts
    data = content(status="failure", failure_reason=reason("占线"))
    services.do_create_record(task, data, actor=personas["agent_a"], expected_attempts=seen)
    exc = refused_after_first(task, data, personas["manager_a"], seen)
    assert "已有他人登记" in exc.messages[0]


def refused_after_first(task, data, actor, seen):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.do_create_record(task, data, actor=actor, expected_attempts=seen)
    assert counts() == before
    return caught.value


def test_second_concurrent_edit_is_refused_nothing_overwritten(task, personas, content, reason):
    record = services.do_create_record(
        task, content(status="failure", failure_reason=reason("占线")), actor=personas["agent_a"]
    )
    first = content(status="failure", failure_reason=reason("占线"), remark="第一人修改")
    second = content(status="failure", failure_reason=reason("占线"), remark="第二人修改")
    services.do_update_record(record, first, actor=personas["agent_a"], expected_version=1)
    with pytest.raises(ValidationError, match=r"已被.*修改"):
        services.do_update_record(record, second, actor=personas["manager_a"], expected_version=1)
    record.refresh_from_db()
    assert (record.remark, record.version) == ("第一人修改", 2)
    assert RecordVersion.objects.filter(record=record).count() == 2


def test_every_edit_keeps_the_previous_version(task, personas, content, reason):
    agent = personas["agent_a"]
    record = services.do_create_record(
        task, content(status="failure", failure_reason=reason("无人接听")), actor=agent
    )
    services.do_update_record(
        record,
        content(status="failure", failure_reason=reason("占线")),
        actor=agent,
        expected_version=1,
        reason="听错了",
    )
    services.do_update_record(
        record,
        content(status="failure", failure_reason=reason("占线"), remark="补充"),
        actor=agent,
        expected_version=2,
    )
    versions = list(RecordVersion.objects.filter(record=record).order_by("version"))
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].data["failure_reason_id"] == reason("无人接听").pk
    assert versions[1].changes == {"failure_reason_id": [reason("无人接听").pk, reason("占线").pk]}
    assert versions[1].reason == "听错了"
    assert AuditEvent.objects.filter(action="record_change", object_id=str(record.pk)).count() == 2
    task.refresh_from_db()
    assert task.unanswered_count == 1  # 占线 still counts; recomputed, not added twice


def test_completed_task_records_editable_only_by_hq(task, personas, content):
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    with pytest.raises(PermissionDenied, match="仅总部"):
        services.do_update_record(
            record, content(remark="改"), actor=personas["agent_a"], expected_version=1
        )
    services.do_update_record(
        record, content(remark="总部更正"), actor=personas["hq_admin"], expected_version=1
    )
    record.refresh_from_db()
    assert record.remark == "总部更正" and record.version == 2


def test_success_that_completed_the_task_cannot_become_failure(task, personas, content, reason):
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    with pytest.raises(ValidationError):
        services.do_update_record(
            record,
            content(status="failure", failure_reason=reason("占线")),
            actor=personas["hq_admin"],
            expected_version=1,
        )
    record.refresh_from_db()
    assert record.status == "success" and record.version == 1


def test_records_are_never_deleted(task, personas, content):
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    with pytest.raises(PermissionDenied):
        record.delete()
    with pytest.raises(PermissionDenied):
        CallbackRecord.objects.all().delete()
    with pytest.raises(PermissionDenied):
        RecordVersion.objects.first().delete()
    assert CallbackRecord.objects.count() == 1


def test_uploaded_attachment_is_stored_with_its_sha256(task, personas, content, settings):
    payload = b"scanned questionnaire"
    upload = SimpleUploadedFile("问卷.pdf", payload, content_type="application/pdf")
    record = services.do_create_record(
        task,
        content(),
        actor=personas["agent_a"],
        attachments=[services.AttachmentInput(file=upload)],
    )
    attachment = record.attachments.get()
    assert attachment.sha256 == hashlib.sha256(payload).hexdigest()
    assert attachment.file.name.startswith("records/")
    assert (settings.MEDIA_ROOT / attachment.file.name).read_bytes() == payload


def test_refused_save_leaves_no_file_behind(task, personas, content, settings):
    upload = SimpleUploadedFile("a.pdf", b"x")
    with pytest.raises(ValidationError):
        services.do_create_record(
            task,
            content(),
            actor=personas["agent_a"],
            attachments=[
                services.AttachmentInput(file=upload),
                services.AttachmentInput(reference="REC-1", sha256="not-a-hash"),
            ],
        )
    assert counts() == (0, 0, 0, 0)
    records_dir = settings.MEDIA_ROOT / "records"
    assert not records_dir.exists() or not any(p.is_file() for p in records_dir.rglob("*"))


def test_failure_reason_dictionary_is_seeded_with_flags(db):
    reasons = {r.name: r for r in FailureReason.objects.all()}
    assert len(reasons) == 10
    assert reasons["无人接听"].counts_as_unanswered
    assert reasons["空号/号码错误"].is_final
    assert reasons["其他"].remark_required
    assert reasons["客户要求改约"].asks_appointment
    assert not reasons["客户拒绝回访"].counts_as_unanswered


def test_failure_reason_edit_is_audited_and_hq_only(personas, reason):
    target = reason("占线")
    with pytest.raises(PermissionDenied):
        services.do_save_failure_reason(target, {"is_final": True}, actor=personas["manager_a"])
    services.do_save_failure_reason(target, {"is_final": True}, actor=personas["hq_admin"])
    event = AuditEvent.objects.get(object_type="records.failurereason", action="change")
    assert event.before == {"is_final": False} and event.after == {"is_final": True}


def test_a_record_carries_its_tasks_branch_for_scoping(task, content, personas):
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    assert record.branch_id == task.branch_id
    assert CallbackRecord.objects.restrict(personas["manager_a"]).filter(pk=record.pk).exists()
    assert not CallbackRecord.objects.restrict(personas["agent_b"]).filter(pk=record.pk).exists()
