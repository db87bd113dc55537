"""What a business type asks of the 成功 record that completes its tasks (需要问卷 and the
成功记录必填项 — "完成任务的成功回访记录必须具备的内容") is shown above the record form;
a person's 成功 record lacking a 成功记录必填项 is refused with the reason, nothing written
(failures and 其他 are not held to it, nor the questionnaire write-back's own record).
需要问卷 is a reminder: a task completed without a questionnaire result is 合规核查's."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord


@pytest.fixture
def asks_questionnaire(business_type):
    business_type.questionnaire_required = True
    business_type.save(update_fields=["questionnaire_required"])
    return business_type


@pytest.fixture
def asks_fields(business_type):
    business_type.required_record_fields = ["duration", "recording"]
    business_type.save(update_fields=["required_record_fields"])
    return business_type


def test_a_success_without_a_questionnaire_result_is_kept_for_compliance(
    asks_questionnaire, task, personas, content
):
    """A phone 成功 may come before the customer's answers: kept, and 合规核查 lists the
    completed task until a questionnaire result exists (refusing it broke every path that
    completes an annual callback by phone)."""
    from huifang.reports import compliance

    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    task.refresh_from_db()
    assert record.status == "success" and task.status == "completed"
    findings = compliance.get("record_missing_required").findings(None, compliance.Period())
    assert [f.task_id for f in findings] == [task.pk]


def test_a_failure_is_not_held_to_the_questionnaire(
    asks_questionnaire, task, personas, content, reason
):
    record = services.do_create_record(
        task,
        content(status="failure", failure_reason=reason("无人接听")),
        actor=personas["agent_a"],
    )
    assert record.pk


def test_a_success_lacking_required_fields_is_refused_per_field(
    asks_fields, task, personas, content
):
    with pytest.raises(ValidationError) as refused:
        services.do_create_record(task, content(duration_seconds=""), actor=personas["agent_a"])
    errors = refused.value.message_dict
    assert errors["duration_seconds"] == ["回访业务类型“测试回访”要求成功记录填写回访时长"]
    assert errors["recording_reference"] == ["回访业务类型“测试回访”要求成功记录填写录音引用"]
    assert not CallbackRecord.objects.exists()


def test_a_success_meeting_the_requirements_completes_the_task(
    asks_fields, task, personas, content
):
    recording = services.AttachmentInput(reference="rec://call/1", sha256="a" * 64)
    services.do_create_record(task, content(), actor=personas["agent_a"], attachments=[recording])
    task.refresh_from_db()
    assert task.status == "completed"


def test_the_form_shows_the_requirements_above_it(
    asks_questionnaire, asks_fields, task, client_for
):
    html = (
        client_for("agent_a").get(reverse("records:record_create", args=[task.pk])).content.decode()
    )
    box = html.split('id="record-requirements"')[1].split("</div>")[0]
    assert "需要问卷" in box and "该任务尚无问卷结果" in box
    assert "成功记录必填：回访时长、录音引用" in box
    assert html.index('id="record-requirements"') < html.index('id="record-form"')


def test_the_form_refuses_a_success_lacking_a_required_field_with_the_reason(
    asks_fields, task, client_for
):
    called = timezone.localtime() - datetime.timedelta(hours=1)
    page = client_for("agent_a").post(
        reverse("records:record_create", args=[task.pk]),
        {
            "expected_attempts": 0,
            "status": "success",
            "method": "phone",
            "called_date": called.date().isoformat(),
            "called_time": called.strftime("%H:%M"),
        },
    )
    assert page.status_code == 200
    assert "要求成功记录填写回访时长" in page.content.decode()
    assert not CallbackRecord.objects.exists()


def test_a_type_without_requirements_shows_no_box(task, client_for):
    html = (
        client_for("agent_a").get(reverse("records:record_create", args=[task.pk])).content.decode()
    )
    assert 'id="record-requirements"' not in html


def test_a_failure_corrected_into_a_success_is_held_to_them_too(
    asks_fields, task, personas, content, reason
):
    record = services.do_create_record(
        task,
        content(status="failure", failure_reason=reason("无人接听")),
        actor=personas["agent_a"],
    )
    with pytest.raises(ValidationError) as refused:
        services.do_update_record(
            record, content(duration_seconds=""), actor=personas["agent_a"], expected_version=1
        )
    assert "要求成功记录填写回访时长" in refused.value.message_dict["duration_seconds"][0]
    record.refresh_from_db()
    task.refresh_from_db()
    assert record.status == "failure" and task.is_open
