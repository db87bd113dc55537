"""``/api/v1/call-attempts/``: the 外呼记录 table's filters and scope, its export, and
``push/`` (推送外呼名单) through ``do_push`` as the page does, by persona."""

from __future__ import annotations

import csv
import io

import pytest

from huifang.channels.calls.models import CallPush, CallRef
from huifang.core.models import AuditEvent
from tests.calls.test_mapping import _ingest

URL = "/api/v1/call-attempts/"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"


@pytest.fixture
def calls(pushed, call):
    """One busy call in 期货北京营业部, one unanswered call in 期货上海营业部."""
    _, ref_a = pushed("a1")
    _, ref_b = pushed("b1")
    mine, _ = _ingest(call(ref_a, "busy", call_id="CA"))
    other, _ = _ingest(call(ref_b, "no_answer", call_id="CB"))
    return {"mine": mine, "other": other}


def test_list_is_scoped(calls, api_for):
    rows = api_for("agent_a").get(URL).json()["results"]
    assert [r["call_id"] for r in rows] == ["CA"]
    assert rows[0]["result_label"] == "占线" and rows[0]["record"] is not None
    assert {r["call_id"] for r in api_for("auditor").get(URL).json()["results"]} == {"CA", "CB"}


def test_list_filters_like_the_page(calls, api_for):
    client = api_for("hq_admin")
    assert [r["call_id"] for r in client.get(URL, {"result": "no_answer"}).json()["results"]] == [
        "CB"
    ]
    assert [r["call_id"] for r in client.get(URL, {"q": "CA"}).json()["results"]] == ["CA"]


def test_detail_out_of_scope_is_404(calls, api_for):
    assert api_for("agent_a").get(f"{URL}{calls['other'].pk}/").status_code == 404
    assert api_for("agent_b").get(f"{URL}{calls['other'].pk}/").status_code == 200


def test_export_has_the_documented_columns_and_is_audited(calls, api_for, personas):
    response = api_for("manager_a").get(f"{URL}export/", {"file_format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["呼叫ID", "外呼任务ID", "投资者代码"] and header[-1] == "回访记录"
    assert [row[0] for row in rows] == ["CA"]
    assert AuditEvent.objects.filter(
        action="export", user=personas["manager_a"], actor_label="api"
    ).exists()


def test_push_writes_the_call_list_of_open_tasks(make_task, api_for, personas):
    mine, other = make_task("a1"), make_task("b1")
    response = api_for("manager_a").post(f"{URL}push/", {"filter": ""}, format="json")
    assert response.status_code == 201, response.json()
    push = CallPush.objects.get(pk=response.json()["id"])
    assert push.count == 1 and response.json()["count"] == 1
    assert set(CallRef.objects.values_list("task_id", flat=True)) == {mine.pk}
    assert other.pk not in CallRef.objects.values_list("task_id", flat=True)
    assert AuditEvent.objects.filter(
        action="call_push", user=personas["manager_a"], actor_label="api"
    ).exists()


def test_agent_cannot_push(make_task, api_for):
    make_task("a1")
    response = api_for("agent_a").post(f"{URL}push/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "您没有推送外呼名单的权限"
    assert not CallPush.objects.exists()


def test_push_of_only_other_branches_tasks_pushes_nothing(make_task, api_for):
    other = make_task("b1")
    response = api_for("manager_a").post(
        f"{URL}push/", {"filter": f"q={other.customer.investor_code}"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "没有可推送的未完成回访任务"
    assert not CallPush.objects.exists() and not CallRef.objects.exists()


def test_push_with_a_bad_filter_is_400(make_task, api_for):
    make_task("a1")
    response = api_for("hq_admin").post(f"{URL}push/", {"filter": "status=nonsense"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["filter"][0].startswith("筛选条件有误：")
    assert not CallPush.objects.exists()


def test_no_writes_on_call_attempts(calls, api_for):
    client = api_for("hq_admin")
    assert client.post(URL, {}, format="json").status_code in (403, 405)
    assert client.delete(f"{URL}{calls['mine'].pk}/").status_code in (403, 405)
