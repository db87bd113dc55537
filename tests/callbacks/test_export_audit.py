"""Task exports — the task list's 导出 and ``huifang export tasks`` — go through the one
exporter: exactly one audit row each, formula cells neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from huifang.core.models import AuditEvent
from tests.callbacks.conftest import make_customer, make_run

LIST = "/callbacks/tasks/"


@pytest.fixture
def tasks(branches):
    evil = make_customer(branches["a1"], code="00012345", name="@SUM(A1:A9)")
    plain = make_customer(branches["b1"], code="00012346")
    run = make_run({evil: ["A005"], plain: ["A002"]})
    call_command(
        "batch", "create", "--run", str(run.pk), "--business-type", "年度适当性回访",
        stdout=io.StringIO(),
    )  # fmt: skip


def exports():
    return AuditEvent.objects.filter(action="export")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_task_list_export_writes_one_audit_row(tasks, client_for, fmt):
    response = client_for("hq_admin").get(LIST, {"_export": fmt, "status": "new"})
    if fmt == "csv":
        b"".join(response.streaming_content)
    event = exports().get()
    assert event.object_type == "callbacks.callbacktask" and event.user.username == "hq_admin"
    assert f"导出 {fmt}" in event.message and "status=new" in event.message


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_tasks_command_writes_one_audit_row(tasks, tmp_path, suffix):
    path = tmp_path / f"tasks.{suffix}"
    call_command("export", "tasks", str(path), "--status", "未处理", stdout=io.StringIO())
    event = exports().get()
    assert event.actor_label == "command:export tasks"
    assert "导出 2 行" in event.message and str(path) in event.message


def test_export_tasks_command_neutralises_a_formula_in_a_name(tasks, tmp_path):
    path = tmp_path / "tasks.csv"
    call_command("export", "tasks", str(path), stdout=io.StringIO())
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["投资者名称"] for r in rows} >= {"'@SUM(A1:A9)"}


def test_the_page_and_the_command_neutralise_the_same_cell_the_same_way(
    tasks, client_for, tmp_path
):
    path = tmp_path / "tasks.csv"
    call_command("export", "tasks", str(path), stdout=io.StringIO())
    command = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    response = client_for("hq_admin").get(LIST, {"_export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    page = list(csv.DictReader(text.splitlines()))
    by_code = {r["投资者代码"]: r["投资者名称"] for r in page}
    assert {r["投资者代码"]: r["投资者名称"] for r in command} == by_code


def test_the_api_export_is_the_task_list_export(tasks, client_for, personas):
    from rest_framework.test import APIClient

    page = client_for("manager_a").get(LIST, {"_export": "csv", "status": "new"})
    client = APIClient()
    client.force_authenticate(personas["manager_a"])
    api = client.get("/api/v1/callback-tasks/export/", {"file_format": "csv", "status": "new"})
    assert api.status_code == 200
    rows = b"".join(api.streaming_content)
    assert rows == b"".join(page.streaming_content)
    assert "'@SUM(A1:A9)" in rows.decode("utf-8-sig")
    assert "00012346" not in rows.decode("utf-8-sig")  # 上海: outside manager_a's scope
    assert exports().count() == 2


def test_the_task_apis_risk_level_is_the_task_lists(tasks, client_for, personas):
    from rest_framework.test import APIClient

    from huifang.customers.models import Customer

    Customer.objects.filter(investor_code="00012345").update(risk_level=1, risk_lowest=True)
    response = client_for("hq_admin").get(LIST, {"_export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    page = {r["投资者代码"]: r["风险承受能力"] for r in csv.DictReader(text.splitlines())}
    client = APIClient()
    client.force_authenticate(personas["hq_admin"])
    api = {
        t["investor_code"]: t["risk_level"]
        for t in client.get("/api/v1/callback-tasks/").json()["results"]
    }
    assert api == page and page["00012345"].endswith("(最低类别)")


def test_the_task_list_export_names_its_filters_as_the_page_does(tasks, client_for, branches):
    from tests.xlsx import about

    query = {"_export": "xlsx", "status": "new", "branch": branches["a"].pk, "page": "2"}
    response = client_for("hq_admin").get(LIST, query)
    assert about(response.content)["筛选条件"] == "部门：0101 北京分公司；处理状态：未处理"


def test_an_agents_landing_export_names_the_filters_the_page_chose(tasks, client_for):
    from tests.xlsx import about

    response = client_for("agent_a").get(LIST, {"_export": "xlsx"})
    assert (
        about(response.content)["筛选条件"]
        == "处理状态：未完成（未处理+处理中）；回访专员：我的任务"
    )
