"""推送外呼名单 with tasks ticked on the task list pushes those tasks, not every task the
filter matches (the button sat among 下发问卷 and 发送短信, which take the ticked ones), and
the push's page says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huifang.channels.calls.models import CallPush, CallRef
from tests.calls.conftest import business_type, make_task  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ticked_tasks_alone_are_pushed(
    live_server,
    login,
    make_task,  # noqa: F811  (the imported fixture)
    personas,
):
    ticked, _other = make_task("a1"), make_task("a1")

    page = login("manager_a")
    page.goto(f"{live_server.url}/callbacks/tasks/?status=open")
    page.locator(f'input[name="pk"][value="{ticked.pk}"]').check()
    page.locator("#push-calls").click()
    expect(page.locator(".alert")).to_contain_text("所勾选的")
    expect(page.locator("[data-push-count]")).to_have_text("1")
    page.get_by_role("button", name="确认推送").click()

    expect(page.locator("main")).to_contain_text("勾选的 1 条任务")
    assert CallPush.objects.get().count == 1
    assert list(CallRef.objects.values_list("task", flat=True)) == [ticked.pk]
