"""外呼 in the browser: a branch manager pushes the call list from the filtered task list
(confirmation, then the file), the platform reports a call, and the task page shows it in
the call table."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huifang.channels.calls.models import CallPush, CallRef
from tests.calls.conftest import business_type, make_task  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_pushes_the_call_list_and_the_task_shows_the_call(
    live_server,
    login,
    make_task,  # noqa: F811  (the imported fixture)
    personas,
    tmp_path,
):
    from huifang.callbacks.models import CallbackTask
    from huifang.channels.calls.services import do_ingest_call
    from huifang.core.actors import Actor

    task = make_task("a1")
    CallbackTask.objects.filter(pk=task.pk).update(assignee=personas["agent_a"])
    make_task("b1")  # another branch: not pushed by 北京's manager

    page = login("manager_a")
    page.goto(f"{live_server.url}/callbacks/tasks/?status=open")
    page.locator("#push-calls").click()
    expect(page.locator("[data-push-count]")).to_have_text("1")
    page.get_by_role("button", name="确认推送").click()
    expect(page.locator("[data-push-count]")).to_have_text("1")
    with page.expect_download() as download:
        page.locator("#push-download").click()
    path = tmp_path / "list.xlsx"
    download.value.save_as(path)
    assert path.stat().st_size > 0
    push = CallPush.objects.get()
    assert push.count == 1 and push.created_by == personas["manager_a"]
    ref = CallRef.objects.get(task=task).ref

    do_ingest_call(
        {
            "call_id": "BR-1",
            "task_ref": ref,
            "started_at": "2026-01-05T10:00:00+08:00",
            "duration_seconds": 95,
            "attempt": 1,
            "result": "busy",
            "agent": "坐席1",
        },
        source="webhook",
        actor=Actor.partner("外呼平台"),
    )
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    row = page.locator('#task-calls tr[data-call="BR-1"]')
    expect(row).to_contain_text("2026-01-05 10:00:00")
    expect(row).to_contain_text("01:35")
    expect(row).to_contain_text("占线")
    row.get_by_role("link", name="查看记录").click()
    expect(page).to_have_url(f"{live_server.url}/records/{task.records.get().pk}/")
    assert page.console_errors == []
