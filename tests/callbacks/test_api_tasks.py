"""``/api/v1/callback-tasks/`` actions: assign, 自动分配, cancel, start, 无法联系 — through
the services, by persona: in scope (DB effect and audit on the api channel), without the
permission (403), out of scope (404), a bad body (400 in Chinese), a closed task (409)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from huifang.callbacks import services
from huifang.callbacks.models import CallbackTask
from huifang.core.models import AuditEvent
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db

URL = "/api/v1/callback-tasks/"


@pytest.fixture
def tasks(branches, personas, annual):
    """Two tasks in Beijing's 营业部 (010101), one in Shanghai's (010201), one batch."""
    a1 = [make_customer(branches["a1"]) for _ in range(2)]
    b1 = make_customer(branches["b1"])
    result = services.do_create_batch(
        make_run({a1[0]: ["A003"], a1[1]: ["A002"], b1: ["A005"]}),
        annual,
        actor=personas["hq_admin"],
    )
    return {
        "a": list(CallbackTask.objects.filter(branch=branches["a1"]).order_by("pk")),
        "b": CallbackTask.objects.get(branch=branches["b1"]),
        "batch": result.batch,
    }


def api_events(task, action: str):
    return AuditEvent.objects.filter(
        object_type="callbacks.callbacktask", object_id=str(task.pk), action=action
    )


def errors(response) -> dict:
    return response.json()["errors"]


# ---------------------------------------------------------------- assign


def test_manager_assigns_a_task_to_an_agent_in_scope(tasks, api_for, personas):
    task = tasks["a"][0]
    response = api_for("manager_a").post(
        f"{URL}{task.pk}/assign/", {"assignee": "agent_a"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"] == "agent_a"
    task.refresh_from_db()
    assert task.assignee == personas["agent_a"]
    event = api_events(task, "assign").get()
    assert (event.user, event.actor_label) == (personas["manager_a"], "api")


def test_an_agent_may_not_assign(tasks, api_for):
    task = tasks["a"][0]
    response = api_for("agent_a").post(
        f"{URL}{task.pk}/assign/", {"assignee": "agent_a"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["message"] == "您没有分配回访任务的权限"
    task.refresh_from_db()
    assert task.assignee is None and not api_events(task, "assign").exists()


def test_assigning_a_task_out_of_scope_is_404(tasks, api_for):
    task = tasks["b"]
    response = api_for("manager_a").post(
        f"{URL}{task.pk}/assign/", {"assignee": "agent_a"}, format="json"
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.assignee is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "请选择回访专员"),
        ({"assignee": "agent_b"}, "回访专员“agent_b”不存在、未启用或不在您的权限范围内"),
        ({"assignee": "nobody"}, "回访专员“nobody”不存在、未启用或不在您的权限范围内"),
    ],
)
def test_assign_needs_an_agent_the_manager_sees(tasks, api_for, body, message):
    task = tasks["a"][0]
    response = api_for("manager_a").post(f"{URL}{task.pk}/assign/", body, format="json")
    assert response.status_code == 400
    assert errors(response)["assignee"] == [message]
    task.refresh_from_db()
    assert task.assignee is None


def test_assigning_a_closed_task_is_409(tasks, api_for, personas):
    task = tasks["a"][0]
    services.do_cancel([task.pk], "客户已转户", actor=personas["hq_admin"])
    response = api_for("manager_a").post(
        f"{URL}{task.pk}/assign/", {"assignee": "agent_a"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    task.refresh_from_db()
    assert task.assignee is None


def test_anonymous_is_401(tasks):
    task = tasks["a"][0]
    response = APIClient().post(f"{URL}{task.pk}/assign/", {"assignee": "agent_a"}, format="json")
    assert response.status_code == 401


# ---------------------------------------------------------------- 自动分配


def test_distribute_ticked_tasks_among_the_branch_agents(tasks, api_for, personas):
    ids = [t.pk for t in tasks["a"]]
    response = api_for("manager_a").post(
        f"{URL}distribute/", {"tasks": ids, "branch": "010101", "expected": 2}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "count": 2,
        "mode": "least_loaded",
        "assignments": {"agent_a": 2},
        "away": [],
    }
    assert set(CallbackTask.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {
        personas["agent_a"].pk
    }
    events = AuditEvent.objects.filter(action="distribute", actor_label="api")
    assert sorted(int(e.object_id) for e in events) == ids


def test_distribute_every_task_matching_the_list_filter(tasks, api_for, personas, branches):
    query = f"batch={tasks['batch'].number}&branch={branches['a'].pk}"
    response = api_for("hq_admin").post(
        f"{URL}distribute/", {"filter": query, "branch": "0101"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["count"] == 2
    tasks["b"].refresh_from_db()
    assert tasks["b"].assignee is None  # outside the filter
    assert CallbackTask.objects.filter(assignee=personas["agent_a"]).count() == 2


def test_an_agent_may_not_distribute(tasks, api_for):
    response = api_for("agent_a").post(
        f"{URL}distribute/", {"tasks": [tasks["a"][0].pk], "branch": "010101"}, format="json"
    )
    assert response.status_code == 403
    assert not CallbackTask.objects.exclude(assignee=None).exists()


def test_distributing_a_task_out_of_scope_changes_nothing(tasks, api_for):
    ids = [tasks["a"][0].pk, tasks["b"].pk]
    response = api_for("manager_a").post(
        f"{URL}distribute/", {"tasks": ids, "branch": "0101"}, format="json"
    )
    assert response.status_code == 403
    assert "不在您权限范围内" in response.json()["message"]
    assert not CallbackTask.objects.exclude(assignee=None).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"branch": "010101"}, "tasks", "请提供勾选的任务编号 tasks 或筛选条件 filter（二选一）"),
        ({"tasks": [1], "branch": "010201"}, "branch", "部门“010201”不存在或不在您的权限范围内"),
        ({"tasks": [1]}, "branch", "请选择营业部"),
    ],
)
def test_distribute_bad_body_is_400(tasks, api_for, body, field, message):
    response = api_for("manager_a").post(f"{URL}distribute/", body, format="json")
    assert response.status_code == 400
    assert errors(response)[field] == [message]
    assert not CallbackTask.objects.exclude(assignee=None).exists()


def test_distribute_with_a_stale_confirmed_count_changes_nothing(tasks, api_for):
    ids = [t.pk for t in tasks["a"]]
    response = api_for("manager_a").post(
        f"{URL}distribute/", {"tasks": ids, "branch": "010101", "expected": 5}, format="json"
    )
    assert response.status_code == 400
    assert "与确认的 5 条不符" in response.json()["message"]
    assert not CallbackTask.objects.exclude(assignee=None).exists()


# ---------------------------------------------------------------- cancel


def test_manager_cancels_a_task_with_a_reason(tasks, api_for, personas):
    task = tasks["a"][0]
    response = api_for("manager_a").post(
        f"{URL}{task.pk}/cancel/", {"reason": "客户已转户"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    task.refresh_from_db()
    assert (task.status, task.close_reason) == ("cancelled", "客户已转户")
    event = api_events(task, "task_cancel").get()
    assert (event.user, event.actor_label) == (personas["manager_a"], "api")


def test_an_agent_may_not_cancel(tasks, api_for):
    task = tasks["a"][0]
    response = api_for("agent_a").post(f"{URL}{task.pk}/cancel/", {"reason": "x"}, format="json")
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "new" and not api_events(task, "task_cancel").exists()


def test_cancelling_out_of_scope_is_404(tasks, api_for):
    task = tasks["b"]
    response = api_for("manager_a").post(f"{URL}{task.pk}/cancel/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == "new"


def test_cancel_needs_a_reason(tasks, api_for):
    task = tasks["a"][0]
    response = api_for("manager_a").post(f"{URL}{task.pk}/cancel/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert errors(response)["reason"] == ["请填写取消原因"]
    task.refresh_from_db()
    assert task.status == "new"


def test_cancelling_a_cancelled_task_is_409(tasks, api_for, personas):
    task = tasks["a"][0]
    services.do_cancel([task.pk], "重复", actor=personas["hq_admin"])
    response = api_for("manager_a").post(
        f"{URL}{task.pk}/cancel/", {"reason": "再次"}, format="json"
    )
    assert response.status_code == 409
    assert api_events(task, "task_cancel").count() == 1


# ---------------------------------------------------------------- start


def test_agent_starts_a_task(tasks, api_for, personas):
    task = tasks["a"][0]
    response = api_for("agent_a").post(f"{URL}{task.pk}/start/")
    assert response.status_code == 200
    assert response.json()["status_label"] == "处理中"
    task.refresh_from_db()
    assert task.status == "in_progress"
    event = api_events(task, "task_start").get()
    assert (event.user, event.actor_label) == (personas["agent_a"], "api")


def test_the_auditor_may_not_start(tasks, api_for):
    task = tasks["a"][0]
    response = api_for("auditor").post(f"{URL}{task.pk}/start/")
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "new"


def test_starting_out_of_scope_is_404(tasks, api_for):
    task = tasks["b"]
    assert api_for("agent_a").post(f"{URL}{task.pk}/start/").status_code == 404
    task.refresh_from_db()
    assert task.status == "new"


def test_starting_twice_is_409(tasks, api_for):
    task = tasks["a"][0]
    assert api_for("agent_a").post(f"{URL}{task.pk}/start/").status_code == 200
    response = api_for("agent_a").post(f"{URL}{task.pk}/start/")
    assert response.status_code == 409
    assert "不能执行“开始处理”" in response.json()["message"]
    assert api_events(task, "task_start").count() == 1


# ---------------------------------------------------------------- 无法联系


def reach_cap(task) -> None:
    cap = task.business_type.max_unanswered_attempts
    CallbackTask.objects.filter(pk=task.pk).update(unanswered_count=cap)


def test_manager_closes_a_task_as_unreachable_at_the_cap(tasks, api_for, personas):
    task = tasks["a"][0]
    reach_cap(task)
    response = api_for("manager_a").post(
        f"{URL}{task.pk}/close-unreachable/", {"reason": "多次未接通"}, format="json"
    )
    assert response.status_code == 200, response.json()
    task.refresh_from_db()
    assert (task.status, task.close_reason) == ("unreachable", "多次未接通")
    event = api_events(task, "task_unreachable").get()
    assert (event.user, event.actor_label) == (personas["manager_a"], "api")


def test_an_agent_may_not_close_as_unreachable(tasks, api_for):
    task = tasks["a"][0]
    reach_cap(task)
    response = api_for("agent_a").post(f"{URL}{task.pk}/close-unreachable/")
    assert response.status_code == 403
    assert response.json()["message"] == "只有营业部负责人或总部合规管理员可以关闭为“无法联系”"
    task.refresh_from_db()
    assert task.status == "new"


def test_closing_out_of_scope_is_404(tasks, api_for):
    task = tasks["b"]
    reach_cap(task)
    assert api_for("manager_a").post(f"{URL}{task.pk}/close-unreachable/").status_code == 404
    task.refresh_from_db()
    assert task.status == "new"


def test_closing_below_the_cap_is_400(tasks, api_for):
    task = tasks["a"][0]
    response = api_for("manager_a").post(f"{URL}{task.pk}/close-unreachable/")
    assert response.status_code == 400
    assert "达到" in errors(response)["non_field_errors"][0]
    task.refresh_from_db()
    assert task.status == "new"


def test_closing_with_an_overlong_reason_is_400(tasks, api_for):
    task = tasks["a"][0]
    reach_cap(task)
    response = api_for("manager_a").post(
        f"{URL}{task.pk}/close-unreachable/", {"reason": "长" * 201}, format="json"
    )
    assert response.status_code == 400
    assert errors(response)["reason"] == ["关闭说明不能超过 200 字"]
    task.refresh_from_db()
    assert task.status == "new"


def test_closing_a_closed_task_is_409(tasks, api_for, personas):
    task = tasks["a"][0]
    reach_cap(task)
    services.do_cancel([task.pk], "客户已转户", actor=personas["hq_admin"])
    response = api_for("manager_a").post(f"{URL}{task.pk}/close-unreachable/")
    assert response.status_code == 409
    task.refresh_from_db()
    assert task.status == "cancelled"


# ---------------------------------------------------------------- list


def test_a_bad_filter_is_400_naming_the_parameter(tasks, api_for):
    response = api_for("manager_a").post(
        f"{URL}distribute/", {"filter": "status=nonsense", "branch": "010101"}, format="json"
    )
    assert response.status_code == 400
    assert errors(response)["filter"][0].startswith("status：")
    assert not CallbackTask.objects.exclude(assignee=None).exists()


def test_the_list_keeps_the_pages_filter_and_cursor_pages(tasks, api_for, branches):
    response = api_for("hq_admin").get(URL, {"branch": branches["b1"].pk, "page_size": 1})
    body = response.json()
    assert [row["id"] for row in body["results"]] == [tasks["b"].pk]
    assert set(body) >= {"next", "previous", "results"}
