"""线下问卷: an agent enters a paper questionnaire for a task, with the scan, through the one
write-back: a 线下问卷 record with the attachment, the task completed on normal answers; a
refusal writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.callbacks.records.services import AttachmentInput
from huifang.core.models import AuditEvent
from huifang.surveys import offline
from huifang.surveys.models import Invitation, Response
from tests.surveys.invites import make_task


@pytest.fixture
def task(branches, published, personas):
    """An open task of 期货北京营业部 assigned to agent_a (an agent records her own tasks)."""
    return make_task(branches["a1"], assignee=personas["agent_a"])


def _scan(name="scan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 paper questionnaire", content_type="application/pdf")


def _post(client, task, published, answers: dict, scan=True):
    data = {"version": published.pk, **answers}
    if scan:
        data["scan"] = _scan()
    return client.post(reverse("surveys:offline_entry", args=[task.pk]), data)


def test_the_page_defaults_to_the_task_business_types_questionnaire(client_for, task, published):
    page = client_for("agent_a").get(reverse("surveys:offline_entry", args=[task.pk]))
    assert page.status_code == 200
    assert page.context["version"] == published
    assert 'name="a-0"' in page.content.decode()


def test_the_version_select_offers_each_questionnaire_by_its_name(client_for, task, published):
    html = client_for("agent_a").get(reverse("surveys:offline_entry", args=[task.pk])).content
    shown = f"{published.title}（{published.questionnaire.code}）第 {published.number} 版</option>"
    assert shown in html.decode()


def test_offline_entry_end_to_end_writes_a_record_with_the_scan(client_for, task, published):
    response = _post(client_for("agent_a"), task, published, {"a-0": "yes", "a-1": ["app"]})
    assert response.status_code == 302
    saved = Response.objects.get(task=task)
    assert saved.channel == "offline"
    assert saved.invitation.channel == "offline"
    assert saved.invitation.status == "answered"
    record = CallbackRecord.objects.get(pk=saved.record_id)
    assert record.method == "offline"
    assert record.get_method_display() == "线下问卷"
    assert record.status == "success"
    assert record.agent.username == "agent_a"
    assert record.attachments.count() == 1
    task.refresh_from_db()
    assert task.status == "completed"


def test_an_abnormal_paper_answer_is_other_with_feedback(client_for, task, published):
    _post(
        client_for("agent_a"),
        task,
        published,
        {"a-0": "no", "a-0-note": "代他人开户", "a-1": ["other"]},
    )
    record = CallbackRecord.objects.get(task=task)
    assert record.status == "other"
    assert BranchFeedback.objects.filter(task=task).count() == 2
    task.refresh_from_db()
    assert task.is_open


def test_a_missing_required_answer_is_shown_and_nothing_is_written(client_for, task, published):
    page = _post(client_for("agent_a"), task, published, {"a-1": ["app"]})
    assert page.status_code == 200
    assert page.context["qn_rows"][0]["error"] == "必答题未作答"
    assert Invitation.objects.filter(task=task).count() == 0
    assert CallbackRecord.objects.filter(task=task).count() == 0


def test_the_scan_is_required(client_for, task, published):
    page = _post(client_for("agent_a"), task, published, {"a-0": "yes"}, scan=False)
    assert page.status_code == 200
    assert page.context["form"].errors["scan"]
    assert not Response.objects.exists()


def test_an_agent_of_another_branch_gets_404(client_for, task, published):
    page = client_for("agent_b").get(reverse("surveys:offline_entry", args=[task.pk]))
    assert page.status_code == 404


def test_the_auditor_may_not_enter(client_for, task, published):
    page = client_for("auditor").get(reverse("surveys:offline_entry", args=[task.pk]))
    assert page.status_code == 403


def test_the_service_refuses_out_of_scope(task, published, personas):
    with pytest.raises(PermissionDenied):
        offline.do_enter_offline(
            task,
            published,
            [{"question": "identity", "options": ["yes"]}],
            scan=AttachmentInput(file=_scan()),
            actor=personas["agent_b"],
        )


def test_the_entry_is_audited(task, published, personas):
    offline.do_enter_offline(
        task,
        published,
        [{"question": "identity", "options": ["yes"]}],
        scan=AttachmentInput(file=_scan()),
        actor=personas["agent_a"],
    )
    assert AuditEvent.objects.filter(action="survey_offline_entry").count() == 1
    assert AuditEvent.objects.filter(action="response_submit").count() == 1
