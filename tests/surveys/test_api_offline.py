"""``POST /api/v1/callback-tasks/{id}/offline-questionnaire/``: 录入线下问卷 over the API,
through ``surveys.offline.do_enter_offline`` as the task page: the answers in the app hall's
format, the scan, the date; the page's permission, scope, once per task; a refusal in the
API's error shape writes nothing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from huifang.callbacks.records.models import CallbackRecord
from huifang.core.models import AuditEvent
from huifang.surveys.models import Invitation, Response
from tests.surveys.invites import make_task

NORMAL = [
    {"question": "identity", "options": ["yes"]},
    {"question": "channels", "options": ["app"]},
]
ABNORMAL = [
    {"question": "identity", "options": ["no"], "note": "代他人开户"},
    {"question": "channels", "options": ["other"]},
]


@pytest.fixture
def task(branches, published, personas):
    """An open task of 期货北京营业部 assigned to agent_a."""
    return make_task(branches["a1"], assignee=personas["agent_a"])


def _url(task) -> str:
    return f"/api/v1/callback-tasks/{task.pk}/offline-questionnaire/"


def _scan():
    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4 paper", content_type="application/pdf")


def _post(client, task, answers=NORMAL, *, scan=True, **fields):
    data = {"answers": json.dumps(answers), **fields}
    if scan:
        data["scan"] = _scan()
    return client.post(_url(task), data, format="multipart")


def _nothing_written(task) -> bool:
    return not (
        Invitation.objects.filter(task=task).exists()
        or Response.objects.filter(task=task).exists()
        or CallbackRecord.objects.filter(task=task).exists()
    )


def test_the_agent_enters_her_task_with_the_scan(api_for, task, published):
    response = _post(api_for("agent_a"), task, version=published.pk)
    assert response.status_code == 201, response.json()
    body = response.json()
    saved = Response.objects.get(task=task, channel="offline")
    assert body == {
        "response": saved.pk,
        "record": saved.record_id,
        "status": "成功",
        "abnormal": [],
    }
    record = CallbackRecord.objects.get(pk=saved.record_id)
    assert (record.method, record.status, record.agent.username) == (
        "offline",
        "success",
        "agent_a",
    )
    assert record.attachments.count() == 1
    task.refresh_from_db()
    assert task.status == "completed"
    assert AuditEvent.objects.filter(action="survey_offline_entry", actor_label="api").exists()


def test_abnormal_answers_are_other_with_their_question_ids(api_for, task, published):
    body = _post(api_for("agent_a"), task, ABNORMAL).json()  # the version by business type
    assert body["status"] == "其他"
    assert body["abnormal"] == ["identity", "channels"]
    task.refresh_from_db()
    assert task.is_open


def test_the_filled_on_date_becomes_the_submission_time(api_for, task, published):
    response = _post(api_for("agent_a"), task, filled_on="2026-01-05")
    assert response.status_code == 201, response.json()
    submitted = Response.objects.get(task=task).submitted_at
    assert submitted.date().isoformat() == "2026-01-05"


def test_anonymous_is_401(task, published):
    response = _post(APIClient(), task)
    assert response.status_code == 401
    assert _nothing_written(task)


def test_the_auditor_is_403(api_for, task, published):
    response = _post(api_for("auditor"), task)
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "errors"}
    assert _nothing_written(task)


def test_a_colleagues_task_is_403_naming_its_holder(api_for, branches, colleague, published):
    theirs = make_task(branches["a1"], assignee=colleague)
    response = _post(api_for("agent_a"), theirs)
    assert response.status_code == 403
    assert "王五" in response.json()["message"]
    assert _nothing_written(theirs)


def test_an_unassigned_task_of_her_branch_is_hers_to_enter(api_for, branches, published):
    unassigned = make_task(branches["a1"])
    assert _post(api_for("agent_a"), unassigned).status_code == 201


def test_another_branchs_task_is_404(api_for, task, published):
    response = _post(api_for("agent_b"), task)
    assert response.status_code == 404
    assert _nothing_written(task)


def test_a_second_entry_is_409(api_for, task, published):
    client = api_for("agent_a")
    assert _post(client, task, ABNORMAL).status_code == 201  # the task stays open
    second = _post(client, task, ABNORMAL)
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert "不能重复录入" in second.json()["message"]
    assert Response.objects.filter(task=task).count() == 1
    assert CallbackRecord.objects.filter(task=task).count() == 1


def test_a_closed_task_is_409(api_for, task, published):
    task.status = "cancelled"
    task.save(update_fields=["status"])
    response = _post(api_for("agent_a"), task)
    assert response.status_code == 409
    assert "不能录入线下问卷" in response.json()["message"]
    assert _nothing_written(task)


def test_bad_answers_are_400_by_question_and_nothing_is_written(api_for, task, published):
    answers = [{"question": "channels", "options": ["fax"]}, {"question": "nope", "text": "x"}]
    response = _post(api_for("agent_a"), task, answers)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["identity"] == ["必答题未作答"]
    assert "fax" in errors["channels"][0]
    assert errors["nope"] == ["未知题目"]
    assert _nothing_written(task)
    assert not AuditEvent.objects.filter(action="survey_offline_entry").exists()


def test_answers_that_are_not_a_json_array_are_400(api_for, task, published):
    response = api_for("agent_a").post(
        _url(task), {"answers": "{not json", "scan": _scan()}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["answers"] == ["答案应为 JSON 数组"]


def test_the_scan_is_required(api_for, task, published):
    response = _post(api_for("agent_a"), task, scan=False)
    assert response.status_code == 400
    assert response.json()["errors"]["scan"] == ["请上传纸质问卷的扫描件"]
    assert _nothing_written(task)


def test_a_future_filled_on_is_400_as_on_the_page(api_for, task, published):
    response = _post(api_for("agent_a"), task, filled_on="2999-01-01")
    assert response.status_code == 400
    assert response.json()["errors"]["filled_on"] == ["填写日期不能晚于今天"]
    assert _nothing_written(task)


def test_an_unpublished_version_is_400(api_for, task, published):
    response = _post(api_for("agent_a"), task, version=published.pk + 1000)
    assert response.status_code == 400
    assert response.json()["errors"]["version"] == ["请选择已发布的问卷版本"]
    assert _nothing_written(task)


def test_the_api_root_still_links_the_task_list(api_for):
    """The endpoint's registration (under callback-tasks/) leaves the root's link to the
    task list as it was."""
    root = api_for("hq_admin").get("/api/v1/").json()
    assert root["callback-tasks"].endswith("/api/v1/callback-tasks/")
