"""``/api/v1/sms-messages/``: the SMS log's filters, scope and masking, its export, and
sending through ``do_queue`` — one task at once (201), several as a job (202)."""

from __future__ import annotations

import pytest

from huifang.channels.sms.models import SmsMessage
from huifang.core.models import AuditEvent, Job

URL = "/api/v1/sms-messages/"


def _sent(result) -> int:
    return result["queued"] + result["held"]


def test_post_one_task_queues_at_once(task, template, api_for, personas):
    response = api_for("agent_a").post(URL, {"template": "REMIND", "task": task.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert _sent(response.json()) == 1
    message = SmsMessage.objects.get()
    assert (message.task_id, message.created_by) == (task.pk, personas["agent_a"])
    assert AuditEvent.objects.filter(
        action="sms_queue", user=personas["agent_a"], actor_label="api"
    ).exists()


def test_post_several_tasks_runs_as_a_job(make_task, template, api_for, run_jobs):
    ids = [make_task("a1").pk, make_task("a1").pk]
    with run_jobs():
        response = api_for("manager_a").post(
            URL, {"template": "REMIND", "tasks": ids}, format="json"
        )
    assert response.status_code == 202, response.json()
    job = Job.objects.get(pk=response.json()["job"])
    assert job.status == "succeeded", job.error
    assert set(SmsMessage.objects.values_list("task_id", flat=True)) == set(ids)


def test_post_a_filter_runs_as_a_job(task, template, api_for, run_jobs):
    with run_jobs():
        response = api_for("manager_a").post(
            URL, {"template": "REMIND", "filter": f"q={task.customer.investor_code}"}, format="json"
        )
    assert response.status_code == 202, response.json()
    assert SmsMessage.objects.get().task_id == task.pk


def test_auditor_cannot_send(task, template, api_for):
    response = api_for("auditor").post(URL, {"template": "REMIND", "task": task.pk}, format="json")
    assert response.status_code == 403
    assert not SmsMessage.objects.exists()


def test_out_of_scope_task_is_404(make_task, template, api_for):
    other = make_task("b1")
    response = api_for("agent_a").post(URL, {"template": "REMIND", "task": other.pk}, format="json")
    assert response.status_code == 404
    response = api_for("agent_a").post(
        URL, {"template": "REMIND", "tasks": [other.pk]}, format="json"
    )
    assert response.status_code == 404
    assert not SmsMessage.objects.exists() and not Job.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"template": "NOPE"}, "template", "短信模板 NOPE 不存在或已停用"),
        ({"task": "x"}, "task", "请填写合法的整数值。"),
        (
            {"tasks": [1]},
            "task",
            "请提供 task（一个任务）、tasks（任务编号列表）或 filter（筛选条件）之一",
        ),
    ],
)
def test_bad_body_is_400_nothing_written(task, template, api_for, body, field, message):
    response = api_for("agent_a").post(
        URL, {"template": "REMIND", "task": task.pk, **body}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert not SmsMessage.objects.exists()


def test_list_is_scoped_masked_and_filtered(make_task, template, queue, api_for):
    mine, other = make_task("a1"), make_task("b1")
    queue([mine, other])
    rows = api_for("agent_a").get(URL).json()["results"]
    assert [r["task"] for r in rows] == [mine.pk]
    assert rows[0]["mobile"] == "138****5678" and rows[0]["template"] == "REMIND"
    rows = api_for("hq_admin").get(URL, {"task": other.pk}).json()["results"]
    assert [r["task"] for r in rows] == [other.pk]
    foreign = SmsMessage.objects.get(task=other)
    assert api_for("agent_a").get(f"{URL}{foreign.pk}/").status_code == 404


def test_export_is_masked_and_audited(task, template, queue, api_for, personas):
    queue(task)
    response = api_for("agent_a").get(f"{URL}export/", {"file_format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "138****5678" in text and "13812345678" not in text
    assert AuditEvent.objects.filter(
        action="export", user=personas["agent_a"], actor_label="api"
    ).exists()
