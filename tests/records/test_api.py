"""``/api/v1/callback-records/``: scoped, masked reads; POST through the service; no
delete."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord

URL = "/api/v1/callback-records/"


def payload(task, **overrides) -> dict:
    data = {
        "task": task.pk,
        "status": "失败",
        "failure_reason": "无人接听",
        "method": "电话",
        "called_at": (timezone.now() - datetime.timedelta(minutes=30)).isoformat(),
        "duration": "00:40",
    }
    data.update(overrides)
    return data


def test_post_registers_a_record_through_the_service(task, api_for):
    response = api_for("agent_a").post(URL, payload(task), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status_label"] == "失败" and body["failure_reason"] == "无人接听"
    assert body["duration_seconds"] == 40 and body["agent"] == "agent_a"
    task.refresh_from_db()
    assert (task.status, task.attempt_count, task.unanswered_count) == ("in_progress", 1, 1)


def test_post_success_completes_the_task(task, api_for):
    response = api_for("agent_a").post(
        URL, payload(task, status="成功", failure_reason=""), format="json"
    )
    assert response.status_code == 201
    task.refresh_from_db()
    assert task.status == "completed"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"failure_reason": ""}, "failure_reason", "回访状态为“失败”时必须选择失败原因"),
        ({"status": "其他", "failure_reason": ""}, "remark", "回访状态为“其他”时必须填写备注"),
        ({"duration": "-5"}, "duration_seconds", "回访时长不能小于 0"),
        (
            {"called_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
            "called_at",
            "回访时间不能晚于当前时间",
        ),
    ],
)
def test_invalid_post_is_400_in_chinese_nothing_written(task, api_for, overrides, field, message):
    response = api_for("agent_a").post(URL, payload(task, **overrides), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert CallbackRecord.objects.count() == 0


def test_post_for_out_of_scope_task_is_refused(task, api_for):
    response = api_for("agent_b").post(URL, payload(task), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["task"] == ["回访任务不存在或不在您的权限范围内"]
    assert CallbackRecord.objects.count() == 0


def test_auditor_cannot_post(task, api_for):
    assert api_for("auditor").post(URL, payload(task), format="json").status_code == 403
    assert CallbackRecord.objects.count() == 0


def test_list_is_scoped_and_masked(make_task, api_for, personas, content):
    mine = services.do_create_record(make_task("a1"), content(), actor=personas["agent_a"])
    services.do_create_record(make_task("b1"), content(), actor=personas["agent_b"])
    rows = api_for("agent_a").get(URL).json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert rows[0]["phone"] == "138****5678" and rows[0]["mobile_used"] == "138****5678"
    assert len(api_for("hq_admin").get(URL).json()["results"]) == 2
    other = CallbackRecord.objects.exclude(pk=mine.pk).get()
    assert api_for("agent_a").get(f"{URL}{other.pk}/").status_code == 404


def test_list_filters_like_the_page(make_task, api_for, personas, content, reason):
    services.do_create_record(make_task("a1"), content(), actor=personas["agent_a"])
    failed = services.do_create_record(
        make_task("a1"),
        content(status="failure", failure_reason=reason("占线")),
        actor=personas["agent_a"],
    )
    rows = api_for("hq_admin").get(URL, {"status": "failure"}).json()["results"]
    assert [r["id"] for r in rows] == [failed.pk]
    rows = api_for("hq_admin").get(URL, {"branch": "010201"}).json()["results"]
    assert rows == []


def test_no_delete_or_put_in_the_api(task, api_for, personas, content):
    """Records are never deleted; corrections are PATCH with the version read
    (tests/records/test_api_record_changes.py)."""
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    for name in ("agent_a", "hq_admin"):
        client = api_for(name)
        assert client.delete(f"{URL}{record.pk}/").status_code in (403, 405)
        assert client.put(f"{URL}{record.pk}/", {"remark": "x"}).status_code in (403, 405)
    record.refresh_from_db()
    assert record.remark == "" and CallbackRecord.objects.count() == 1


@pytest.mark.parametrize("status", ["completed", "unreachable", "cancelled"])
def test_post_for_a_closed_task_is_400_in_chinese_nothing_written(task, api_for, status):
    from huifang.callbacks.models import CallbackTask

    CallbackTask.objects.filter(pk=task.pk).update(status=status)
    task.refresh_from_db()
    response = api_for("agent_a").post(URL, payload(task), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "detail": [f"任务当前为“{task.get_status_display()}”，不能再登记回访记录"]
    }
    assert not CallbackRecord.objects.exists()
