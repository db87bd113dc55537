"""``PATCH /api/v1/callback-records/{id}/`` (correcting a record through
``do_update_record``, optimistic lock → 409) and ``GET …/{id}/history/`` (the versions as
the page's 修改历史 shows them, masked)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord, RecordVersion
from huifang.core.models import AuditEvent

URL = "/api/v1/callback-records/"


@pytest.fixture
def record(task, personas, content, reason):
    """A failed call of agent_a's (the task stays open)."""
    return services.do_create_record(
        task, content(status="failure", failure_reason=reason("占线")), actor=personas["agent_a"]
    )


def changes(record):
    return AuditEvent.objects.filter(
        object_type="records.callbackrecord", object_id=str(record.pk), action="record_change"
    )


def test_agent_corrects_a_record_with_the_version_read(record, api_for, personas):
    response = api_for("agent_a").patch(
        f"{URL}{record.pk}/",
        {"version": 1, "change_reason": "补录备注", "remark": "客户稍后回电"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["version"], body["remark"], body["failure_reason"]) == (2, "客户稍后回电", "占线")
    assert body["mobile_used"] == "138****5678"
    record.refresh_from_db()
    assert (record.version, record.remark, record.status) == (2, "客户稍后回电", "failure")
    assert RecordVersion.objects.get(record=record, version=2).reason == "补录备注"
    event = changes(record).get()
    assert (event.user, event.actor_label) == (personas["agent_a"], "api")


def test_a_stale_version_is_409_and_nothing_is_written(record, api_for):
    client = api_for("agent_a")
    client.patch(
        f"{URL}{record.pk}/",
        {"version": 1, "change_reason": "第一次", "remark": "甲"},
        format="json",
    )
    response = client.patch(
        f"{URL}{record.pk}/",
        {"version": 1, "change_reason": "第二次", "remark": "乙"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert "当前版本 2" in response.json()["message"]
    record.refresh_from_db()
    assert (record.version, record.remark) == (2, "甲") and changes(record).count() == 1


def test_the_auditor_may_not_correct(record, api_for):
    response = api_for("auditor").patch(
        f"{URL}{record.pk}/", {"version": 1, "change_reason": "x", "remark": "x"}, format="json"
    )
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.version == 1 and not changes(record).exists()


def test_correcting_out_of_scope_is_404(record, api_for):
    response = api_for("agent_b").patch(
        f"{URL}{record.pk}/", {"version": 1, "change_reason": "x", "remark": "x"}, format="json"
    )
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.version == 1


def test_an_agent_may_not_correct_a_record_of_a_closed_task(task, personas, content, api_for):
    done = services.do_create_record(task, content(), actor=personas["agent_a"])  # completes
    response = api_for("agent_a").patch(
        f"{URL}{done.pk}/", {"version": 1, "change_reason": "x", "remark": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["message"] == services.CLOSED_TASK_HQ_ONLY
    done.refresh_from_db()
    assert done.version == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"version": 1, "remark": "x"}, "change_reason", "请填写修改说明"),
        ({"change_reason": "x"}, "version", "请提供读取时的记录版本号 version"),
        (
            {"version": 1, "change_reason": "x", "status": "其他"},
            "remark",
            "回访状态为“其他”时必须填写备注",
        ),
        (
            {"version": 1, "change_reason": "x", "failure_reason": "无此原因"},
            "failure_reason",
            "失败原因“无此原因”不在字典中",
        ),
    ],
)
def test_a_bad_body_is_400_in_chinese(record, api_for, body, field, message):
    response = api_for("agent_a").patch(f"{URL}{record.pk}/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    record.refresh_from_db()
    assert record.version == 1 and not changes(record).exists()


def test_delete_and_put_are_not_offered(record, api_for):
    client = api_for("hq_admin")
    assert client.delete(f"{URL}{record.pk}/").status_code in (403, 405)
    assert client.put(f"{URL}{record.pk}/", {"remark": "x"}, format="json").status_code == 405
    assert CallbackRecord.objects.filter(pk=record.pk, version=1).exists()


# ---------------------------------------------------------------- history


def test_history_lists_the_versions_newest_first_masked(record, api_for):
    api_for("agent_a").patch(
        f"{URL}{record.pk}/",
        {"version": 1, "change_reason": "号码填错", "mobile_used": "13900001111"},
        format="json",
    )
    response = api_for("manager_a").get(f"{URL}{record.pk}/history/")
    assert response.status_code == 200
    versions = response.json()
    assert [v["version"] for v in versions] == [2, 1]
    assert (versions[0]["changed_by"], versions[0]["reason"]) == ("agent_a", "号码填错")
    mobile = {f["label"]: f for f in versions[0]["fields"]}["手机号"]
    assert mobile == {
        "label": "手机号",
        "value": "139****1111",
        "changed": True,
        "old": "138****5678",
    }


def test_history_out_of_scope_is_404(record, api_for):
    assert api_for("agent_b").get(f"{URL}{record.pk}/history/").status_code == 404


def test_history_anonymous_is_401(record):
    assert APIClient().get(f"{URL}{record.pk}/history/").status_code == 401
