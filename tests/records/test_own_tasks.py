"""An agent works the tasks assigned to them and the unassigned ones of their branch
(docs/users.md: 回访专员 处理分配给自己的任务): a colleague's task takes no record from them,
and its records no correction or attachment — in the service, so the page and the API
refuse alike (403, Chinese); the task page and the record page show who holds it instead
of 登记回访记录 / 修改. Branch managers and HQ keep working every task of their scope."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord, RecordAttachment, RecordVersion

HELD = "该任务已分配给王五，只有该任务的回访专员或营业部负责人可以处理"
RECORDING = services.AttachmentInput(reference="rec://pbx/0001.wav", sha256="a" * 64)


@pytest.fixture
def theirs(make_task, colleague):
    return make_task("a1", assignee=colleague)


def _form(task, **overrides) -> dict:
    now = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "expected_attempts": task.attempt_count,
        "status": "failure",
        "failure_reason": "",
        "method": "phone",
        "called_date": now.date().isoformat(),
        "called_time": now.strftime("%H:%M"),
    }
    data.update(overrides)
    return data


def test_the_service_refuses_a_colleagues_task(theirs, personas, content):
    with pytest.raises(PermissionDenied) as refused:
        services.do_create_record(theirs, content(), actor=personas["agent_a"])
    assert str(refused.value) == HELD
    assert not CallbackRecord.objects.exists()


def test_an_agent_works_a_task_of_their_branch_not_yet_assigned(make_task, personas, content):
    task = make_task("a1", assignee=None)
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    assert record.agent == personas["agent_a"]


@pytest.mark.parametrize("who", ["manager_a", "hq_admin"])
def test_managers_and_hq_keep_working_any_task(theirs, personas, content, who):
    record = services.do_create_record(theirs, content(), actor=personas[who])
    assert record.task_id == theirs.pk


def test_the_assigned_agent_registers(theirs, colleague, content):
    assert services.do_create_record(theirs, content(), actor=colleague).agent == colleague


def test_the_form_of_a_colleagues_task_is_403_and_saves_nothing(theirs, client_for):
    client = client_for("agent_a")
    url = reverse("records:record_create", args=[theirs.pk])
    page = client.get(url)
    assert page.status_code == 403 and HELD in page.content.decode()
    assert client.post(url, _form(theirs, status="success")).status_code == 403
    assert not CallbackRecord.objects.exists()


def test_the_task_page_names_the_holder_instead_of_the_button(theirs, client_for):
    html = (
        client_for("agent_a")
        .get(reverse("records:task_records", args=[theirs.pk]))
        .content.decode()
    )
    assert 'id="register-record"' not in html
    assert 'id="task-not-mine"' in html and HELD in html


def test_the_holder_and_the_manager_see_the_button(theirs, client, colleague, client_for):
    url = reverse("records:task_records", args=[theirs.pk])
    client.force_login(colleague)
    assert 'id="register-record"' in client.get(url).content.decode()
    html = client_for("manager_a").get(url).content.decode()
    assert 'id="register-record"' in html and 'id="task-not-mine"' not in html


def test_the_api_answers_403_in_chinese(theirs, api_for):
    response = api_for("agent_a").post(
        "/api/v1/callback-records/",
        {
            "task": theirs.pk,
            "status": "失败",
            "failure_reason": "无人接听",
            "method": "电话",
            "called_at": (timezone.now() - datetime.timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["message"] == HELD
    assert not CallbackRecord.objects.exists()


def test_the_customer_timeline_offers_no_form_link_for_a_colleagues_task(theirs, client_for):
    url = reverse("customers:customer_detail", args=[theirs.customer.investor_code])
    html = client_for("agent_a").get(url).content.decode()
    assert reverse("records:record_create", args=[theirs.pk]) not in html


# ---------------------------------------------------------------- corrections, attachments


@pytest.fixture
def their_record(theirs, colleague, content, reason):
    """王五's failed call on his task (the task stays open)."""
    return services.do_create_record(
        theirs, content(status="failure", failure_reason=reason("占线")), actor=colleague
    )


@pytest.fixture
def correct(content, reason):
    """``correct(record, actor, **extra)``: add a 备注 to a failed call, on the version read."""

    def save(record, actor, **extra):
        busy = content(status="failure", failure_reason=reason("占线"), remark="补录备注")
        return services.do_update_record(
            record, busy, actor=actor, expected_version=record.version, reason="补录", **extra
        )

    return save


def _unchanged(record) -> bool:
    record.refresh_from_db()
    return (
        (record.version, record.remark) == (1, "")
        and not RecordVersion.objects.filter(record=record, version__gt=1).exists()
        and not RecordAttachment.objects.filter(record=record).exists()
    )


def test_the_service_refuses_correcting_a_record_of_a_colleagues_task(
    their_record, personas, correct
):
    with pytest.raises(PermissionDenied) as refused:
        correct(their_record, personas["agent_a"])
    assert str(refused.value) == HELD
    assert _unchanged(their_record)


def test_the_service_refuses_an_attachment_on_a_colleagues_task(their_record, personas, correct):
    with pytest.raises(PermissionDenied) as refused:
        services.do_add_attachment(their_record, RECORDING, actor=personas["agent_a"])
    assert str(refused.value) == HELD
    with pytest.raises(PermissionDenied):
        correct(their_record, personas["agent_a"], attachments=[RECORDING])
    assert _unchanged(their_record)


@pytest.mark.parametrize("who", ["manager_a", "hq_admin"])
def test_managers_and_hq_keep_correcting_any_record(their_record, personas, correct, who):
    assert correct(their_record, personas[who]).version == 2


def test_the_holder_corrects_and_attaches(their_record, colleague, correct):
    assert correct(their_record, colleague, attachments=[RECORDING]).version == 2
    assert RecordAttachment.objects.filter(record=their_record).count() == 1


def test_an_agent_corrects_a_record_of_an_unassigned_task_of_their_branch(
    make_task, personas, content, reason, correct
):
    task = make_task("a1", assignee=None)
    record = services.do_create_record(
        task, content(status="failure", failure_reason=reason("占线")), actor=personas["manager_a"]
    )
    assert correct(record, personas["agent_a"]).version == 2


def test_the_record_page_names_the_holder_instead_of_the_edit_button(their_record, client_for):
    url = reverse("records:record_detail", args=[their_record.pk])
    html = client_for("agent_a").get(url).content.decode()
    assert 'id="edit-link"' not in html
    assert 'id="edit-note"' in html and HELD in html
    html = client_for("manager_a").get(url).content.decode()
    assert 'id="edit-link"' in html and HELD not in html


def test_the_edit_form_of_a_colleagues_task_says_who_holds_it_and_saves_nothing(
    their_record, client_for
):
    client = client_for("agent_a")
    url = reverse("records:record_edit", args=[their_record.pk])
    detail = reverse("records:record_detail", args=[their_record.pk])
    page = client.get(url, follow=True)
    assert page.redirect_chain == [(detail, 302)] and HELD in page.content.decode()
    form = _form(their_record.task, status="failure", failure_reason=their_record.failure_reason_id)
    posted = client.post(url, {**form, "version": 1, "change_reason": "补录", "remark": "补录"})
    assert posted.status_code == 302 and posted["Location"] == detail
    assert _unchanged(their_record)


def test_the_api_refuses_a_correction_in_chinese(their_record, api_for):
    response = api_for("agent_a").patch(
        f"/api/v1/callback-records/{their_record.pk}/",
        {
            "version": 1,
            "change_reason": "补录",
            "remark": "补录备注",
            "recording_reference": RECORDING.reference,
            "recording_sha256": RECORDING.sha256,
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["message"] == HELD
    assert _unchanged(their_record)
