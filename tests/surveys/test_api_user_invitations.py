"""``/api/v1/survey-invitations/``: the scoped list with the results page's filters, and
问卷下发 by POST — tasks at once (201), a task-list filter as a background job (202)."""

from __future__ import annotations

import pytest

from huifang.callbacks.models import CallbackTask
from huifang.core.models import AuditEvent, Job
from huifang.surveys import sending
from huifang.surveys.models import Invitation
from tests.surveys.invites import make_batch, make_task

URL = "/api/v1/survey-invitations/"


@pytest.fixture
def tasks(branches, published):
    """Two open tasks in 期货北京营业部 (one batch) and one in 期货上海营业部."""
    batch = make_batch()
    return {
        "batch": batch,
        "a": [make_task(branches["a1"], batch) for _ in range(2)],
        "b": make_task(branches["b1"]),
    }


def test_post_tasks_invites_at_once(tasks, api_for, personas):
    ids = [t.pk for t in tasks["a"]]
    response = api_for("manager_a").post(URL, {"channel": "h5", "tasks": ids}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] == 2 and body["summary"].startswith("新建邀请 2 条")
    assert set(Invitation.objects.values_list("task_id", flat=True)) == set(ids)
    assert set(body["codes"]) == set(Invitation.objects.values_list("code", flat=True))
    assert AuditEvent.objects.filter(
        action="survey_invite", user=personas["manager_a"], actor_label="api"
    ).exists()


def test_repeating_creates_nothing(tasks, api_for):
    ids = [t.pk for t in tasks["a"]]
    api_for("manager_a").post(URL, {"channel": "h5", "tasks": ids}, format="json")
    again = api_for("manager_a").post(URL, {"channel": "h5", "tasks": ids}, format="json")
    assert again.status_code == 201
    assert again.json()["created"] == 0 and again.json()["skipped"]["already_invited"] == 2
    assert Invitation.objects.count() == 2


def test_post_filter_runs_as_a_job(tasks, api_for, run_jobs):
    body = {"channel": "apphall", "filter": f"batch={tasks['batch'].number}"}
    with run_jobs():
        response = api_for("manager_a").post(URL, body, format="json")
    assert response.status_code == 202, response.json()
    job = Job.objects.get(pk=response.json()["job"])
    assert response["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert set(Invitation.objects.values_list("task_id", flat=True)) == {t.pk for t in tasks["a"]}


def test_agent_may_not_invite_a_task_assigned_to_someone_else(tasks, api_for, personas):
    task = tasks["a"][0]
    type(task).objects.filter(pk=task.pk).update(assignee=personas["manager_a"])
    response = api_for("agent_a").post(URL, {"channel": "h5", "tasks": [task.pk]}, format="json")
    assert response.status_code == 403
    message = response.json()["message"]
    assert message.startswith(f"任务 #{task.pk}：该任务已分配给")
    assert message.endswith("只有该任务的回访专员或营业部负责人可以处理")
    assert not Invitation.objects.exists()


def test_agent_invites_their_own_task(tasks, api_for, personas):
    """product.md: the agent sends questionnaires — for the tasks assigned to them."""
    task = tasks["a"][0]
    CallbackTask.objects.filter(pk=task.pk).update(assignee=personas["agent_a"])
    response = api_for("agent_a").post(URL, {"channel": "h5", "tasks": [task.pk]}, format="json")
    assert response.status_code == 201
    assert list(Invitation.objects.values_list("task_id", flat=True)) == [task.pk]


def test_agent_may_not_invite_a_colleagues_task(tasks, api_for, personas):
    mine, theirs = tasks["a"]
    CallbackTask.objects.filter(pk=mine.pk).update(assignee=personas["agent_a"])
    CallbackTask.objects.filter(pk=theirs.pk).update(assignee=personas["manager_a"])
    response = api_for("agent_a").post(
        URL, {"channel": "h5", "tasks": [mine.pk, theirs.pk]}, format="json"
    )
    assert response.status_code == 403
    assert "该任务已分配给manager_a" in response.json()["message"]
    assert not Invitation.objects.exists()


def test_out_of_scope_task_is_404(tasks, api_for):
    ids = [tasks["a"][0].pk, tasks["b"].pk]
    response = api_for("manager_a").post(URL, {"channel": "h5", "tasks": ids}, format="json")
    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"channel": "fax"}, "channel", "“fax” 不是合法选项。"),
        (
            {"channel": "offline"},
            "channel",
            "渠道应为 apphall（掌厅）或 h5；线下问卷请在任务页录入",
        ),
        (
            {"channel": "h5", "questionnaire": "NOPE"},
            "questionnaire",
            "问卷 NOPE 不存在或还没有发布的版本",
        ),
        ({"channel": "h5", "expires_days": 0}, "expires_days", "请确保该值大于或者等于 1。"),
        ({"channel": "h5", "tasks": None}, "tasks", "该字段不能为 null。"),
    ],
)
def test_bad_body_is_400_nothing_written(tasks, api_for, body, field, message):
    body = {"tasks": [tasks["a"][0].pk], **body}
    response = api_for("manager_a").post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert not Invitation.objects.exists()


def test_a_filter_matching_nothing_is_400(tasks, api_for):
    body = {"channel": "h5", "filter": "batch=999"}
    response = api_for("manager_a").post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["filter"] == ["没有符合筛选条件的回访任务"]
    assert not Job.objects.exists()


def test_list_is_scoped_and_filtered(tasks, api_for):
    sending.do_invite([t.pk for t in [*tasks["a"], tasks["b"]]], channel="h5", actor=None)
    sending.do_invite([tasks["a"][0].pk], channel="apphall", actor=None)
    rows = api_for("agent_a").get(URL).json()["results"]
    assert {r["task"] for r in rows} == {t.pk for t in tasks["a"]}
    assert len(api_for("hq_admin").get(URL).json()["results"]) == 4
    rows = api_for("hq_admin").get(URL, {"channel": "apphall"}).json()["results"]
    assert [(r["task"], r["channel_label"]) for r in rows] == [(tasks["a"][0].pk, "掌厅")]
    rows = api_for("hq_admin").get(URL, {"batch": tasks["batch"].number}).json()["results"]
    assert len(rows) == 3


def test_detail_by_code_with_the_h5_link(tasks, api_for):
    sending.do_invite([tasks["a"][0].pk], channel="h5", actor=None)
    invitation = Invitation.objects.get()
    body = api_for("agent_a").get(f"{URL}{invitation.code}/").json()
    assert body["status"] == "pending" and body["questionnaire"] == "QN-TEST"
    assert body["h5_url"].endswith(f"/q/{invitation.token}")


def test_detail_out_of_scope_is_404(tasks, api_for):
    sending.do_invite([tasks["b"].pk], channel="h5", actor=None)
    code = Invitation.objects.get().code
    assert api_for("agent_a").get(f"{URL}{code}/").status_code == 404
    assert api_for("agent_b").get(f"{URL}{code}/").status_code == 200


def test_an_unopened_h5_invitation_reads_as_a_usable_link(tasks, api_for):
    task = tasks["a"][0]
    sending.do_invite([task.pk], channel="h5", actor=None)
    row = api_for("manager_a").get(URL, {"channel": "h5"}).json()["results"][0]
    assert (row["status"], row["status_label"]) == ("pending", "链接可用（待客户打开）")
