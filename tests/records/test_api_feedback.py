"""``/api/v1/branch-feedback/``: 反馈营业部 through ``do_feedback`` and its handling through
``do_handle_feedback`` (already handled → 409), scoped like the page."""

from __future__ import annotations

import pytest

from huifang.callbacks.records import services
from huifang.callbacks.records.models import BranchFeedback
from huifang.core.models import AuditEvent

URL = "/api/v1/branch-feedback/"


@pytest.fixture
def feedback(task, personas):
    return services.do_feedback(task, "客户投诉手续费", actor=personas["agent_a"])


def test_agent_leaves_feedback_for_the_branch(task, api_for, personas):
    response = api_for("agent_a").post(
        URL, {"task": task.pk, "message": "客户投诉手续费"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["branch_code"], body["handled"], body["created_by"]) == (
        "010101",
        False,
        "agent_a",
    )
    saved = BranchFeedback.objects.get()
    assert (saved.task, saved.message) == (task, "客户投诉手续费")
    event = AuditEvent.objects.get(action="feedback")
    assert (event.user, event.actor_label) == (personas["agent_a"], "api")


def test_the_auditor_may_not_leave_feedback(task, api_for):
    response = api_for("auditor").post(URL, {"task": task.pk, "message": "x"}, format="json")
    assert response.status_code == 403
    assert not BranchFeedback.objects.exists()


def test_feedback_on_a_task_out_of_scope_is_refused(task, api_for):
    response = api_for("agent_b").post(URL, {"task": task.pk, "message": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["task"] == ["回访任务不存在或不在您的权限范围内"]
    assert not BranchFeedback.objects.exists()


def test_feedback_needs_a_message(task, api_for):
    response = api_for("agent_a").post(URL, {"task": task.pk, "message": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["message"] == ["请填写反馈内容"]
    assert not BranchFeedback.objects.exists()


def test_the_manager_handles_feedback(feedback, api_for, personas):
    response = api_for("manager_a").post(
        f"{URL}{feedback.pk}/handle/", {"note": "已致电客户解释"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["handled"] is True
    feedback.refresh_from_db()
    assert (feedback.handled_by, feedback.handling_note) == (
        personas["manager_a"],
        "已致电客户解释",
    )
    event = AuditEvent.objects.get(action="feedback_handle")
    assert (event.user, event.actor_label) == (personas["manager_a"], "api")


def test_an_agent_may_not_handle_feedback(feedback, api_for):
    response = api_for("agent_a").post(f"{URL}{feedback.pk}/handle/")
    assert response.status_code == 403
    feedback.refresh_from_db()
    assert feedback.handled_at is None


def test_handling_out_of_scope_is_404(make_task, personas, api_for):
    other = services.do_feedback(make_task("b1"), "上海的反馈", actor=personas["agent_b"])
    assert api_for("manager_a").post(f"{URL}{other.pk}/handle/").status_code == 404
    other.refresh_from_db()
    assert other.handled_at is None


def test_handling_twice_is_409(feedback, api_for):
    client = api_for("manager_a")
    assert client.post(f"{URL}{feedback.pk}/handle/").status_code == 200
    response = client.post(f"{URL}{feedback.pk}/handle/", {"note": "再次"}, format="json")
    assert response.status_code == 409 and response.json()["message"] == "该反馈已处理"
    assert AuditEvent.objects.filter(action="feedback_handle").count() == 1


def test_an_overlong_note_is_400(feedback, api_for):
    response = api_for("manager_a").post(
        f"{URL}{feedback.pk}/handle/", {"note": "长" * 301}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["note"] == ["处理说明不能超过 300 字"]
    feedback.refresh_from_db()
    assert feedback.handled_at is None


def test_the_list_uses_the_pages_filter_and_scope(feedback, make_task, personas, api_for):
    services.do_feedback(make_task("b1"), "上海的反馈", actor=personas["agent_b"])
    rows = api_for("manager_a").get(URL, {"handled": "false"}).json()["results"]
    assert [row["id"] for row in rows] == [feedback.pk]
    assert api_for("manager_a").get(URL, {"handled": "true"}).json()["results"] == []
