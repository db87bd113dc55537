"""线下问卷 once per task, and only by the task's own agent (or the manager): a second entry
(the form sent twice, the back button) is refused while the first stands; a colleague's or
an unassigned task is refused in the service, whatever the path; the 问卷 card shows no
有效期至 for a paper questionnaire."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.callbacks.records.services import AttachmentInput
from huifang.org.models import Role
from huifang.org.services import do_create_user
from huifang.surveys import offline, sending
from huifang.surveys.models import Invitation, Response
from tests.conftest import PASSWORD
from tests.surveys.invites import make_task

# Abnormal answers: an 其他 record, the task stays open — a second entry would pass the
# task's own "closed" refusal.
ABNORMAL = {"a-0": "no", "a-0-note": "代他人开户", "a-1": ["other"]}
ABNORMAL_ANSWERS = [
    {"question": "identity", "options": ["no"], "note": "代他人开户"},
    {"question": "channels", "options": ["other"]},
]


@pytest.fixture
def task(branches, published, personas):
    return make_task(branches["a1"], assignee=personas["agent_a"])


def _scan():
    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4 paper", content_type="application/pdf")


def _post(client, task, published, answers: dict):
    data = {"version": published.pk, "scan": _scan(), **answers}
    return client.post(reverse("surveys:offline_entry", args=[task.pk]), data)


def _enter(task, published, actor):
    return offline.do_enter_offline(
        task, published, ABNORMAL_ANSWERS, scan=AttachmentInput(file=_scan()), actor=actor
    )


def test_the_form_sent_twice_writes_one_entry(client_for, task, published):
    client = client_for("agent_a")
    first = _post(client, task, published, ABNORMAL)
    second = _post(client, task, published, ABNORMAL)
    assert first.status_code == 302 and second.status_code == 302
    assert Invitation.objects.filter(task=task, channel="offline").count() == 1
    assert Response.objects.filter(task=task).count() == 1
    assert CallbackRecord.objects.filter(task=task).count() == 1
    assert BranchFeedback.objects.filter(task=task).count() == 2  # the first entry's only
    page = client.get(second["Location"]).content.decode()
    assert "不能重复录入" in page


def test_the_service_refuses_a_second_entry_while_the_first_stands(task, published, personas):
    _enter(task, published, personas["agent_a"])
    with pytest.raises(ValidationError) as refused:
        _enter(task, published, personas["manager_a"])
    assert "该任务的线下问卷已于" in refused.value.messages[0]
    assert "不能重复录入" in refused.value.messages[0]
    assert Response.objects.filter(task=task).count() == 1
    assert CallbackRecord.objects.filter(task=task).count() == 1


def test_the_task_card_says_the_paper_questionnaire_is_entered(client_for, task, published):
    client = client_for("agent_a")
    _post(client, task, published, ABNORMAL)
    html = client.get(reverse("callbacks:task_detail", args=[task.pk])).content.decode()
    assert "data-offline-done" in html
    assert reverse("surveys:offline_entry", args=[task.pk]) not in html


def test_a_colleagues_task_is_refused_by_the_service(task, published, colleague):
    with pytest.raises(PermissionDenied) as refused:
        _enter(task, published, colleague)
    assert str(refused.value) == "该任务已分配给agent_a，只有该任务的回访专员或营业部负责人可以处理"
    assert not Invitation.objects.exists()


def test_a_colleagues_task_is_403_on_the_page_and_offers_no_button(task, published, client):
    client.force_login(
        do_create_user(username="agent_a3", password=PASSWORD, branch=task.branch, role=Role.AGENT)
    )
    page = client.get(reverse("surveys:offline_entry", args=[task.pk]))
    assert page.status_code == 403
    assert "该任务已分配给agent_a" in page.content.decode()
    assert _post(client, task, published, ABNORMAL).status_code == 403
    assert not Response.objects.exists()
    html = client.get(reverse("callbacks:task_detail", args=[task.pk])).content.decode()
    assert reverse("surveys:offline_entry", args=[task.pk]) not in html
    assert reverse("surveys:invite_task", args=[task.pk]) not in html
    assert "data-survey-work-refusal" in html and "该任务已分配给agent_a" in html


def test_an_agent_enters_the_paper_questionnaire_of_an_unassigned_task(
    branches, published, personas
):
    task = make_task(branches["a1"])
    _enter(task, published, personas["agent_a"])
    assert task.invitations.count() == 1


def test_the_manager_enters_for_any_task_of_the_branch(branches, published, personas):
    task = make_task(branches["a1"], assignee=personas["agent_a"])
    _enter(task, published, personas["manager_a"])
    assert Response.objects.filter(task=task).count() == 1


def test_the_card_shows_no_expiry_for_a_paper_questionnaire(client_for, task, published):
    client = client_for("agent_a")
    sending.do_invite([task.pk], channel="h5", actor=None)
    _post(client, task, published, ABNORMAL)
    h5 = Invitation.objects.get(task=task, channel="h5")
    paper = Invitation.objects.get(task=task, channel="offline")
    html = client.get(reverse("callbacks:task_detail", args=[task.pk])).content.decode()

    def expiry_cell(code):  # 邀请编号, 问卷, 渠道, 状态, 有效期至
        row = html.split(f'data-invitation="{code}"')[1].split("</tr>")[0]
        return row.split("<td>")[5].split("</td>")[0]

    assert expiry_cell(paper.code) == "—"
    assert expiry_cell(h5.code) == f"{timezone.localtime(h5.expires_at):%Y-%m-%d %H:%M}"


def test_the_entry_completes_a_task_whose_type_asks_a_questionnaire_and_fields(
    task, published, personas, client_for
):
    """The write-back's record is the questionnaire result: not held to 成功记录必填项."""
    task.business_type.questionnaire_required = True
    task.business_type.required_record_fields = ["duration", "recording"]
    task.business_type.save()
    _post(client_for("agent_a"), task, published, {"a-0": "yes", "a-1": ["app"]})
    task.refresh_from_db()
    assert task.status == "completed"
