"""分配设置 in the browser: a branch manager switches their office to 轮流分配, marks an
agent away, sees 平均分配 skip them, and ends the absence."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.callbacks.models import AgentAbsence, BranchDistribution, CallbackTask
from tests.surveys.invites import make_task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_sets_round_robin_and_an_absence_then_distributes(
    live_server, login, personas, branches
):
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    do_create_user(
        username="agent_a2",
        password="Huifang-test-2026",
        branch=branches["a1"],
        role=Role.AGENT,
        full_name="李娜",
    )
    tasks = [make_task(branches["a1"]) for _ in range(2)]
    today = timezone.localdate().isoformat()
    page = login("manager_a")
    page.on("dialog", lambda dialog: dialog.accept())

    page.locator("#nav").get_by_role("button", name="回访任务管理").click()
    page.get_by_role("link", name="分配设置").click()
    row = page.locator('#distribution-modes tr[data-branch="010101"]')
    row.get_by_label("期货北京营业部 的分配方式").select_option(label="轮流分配")
    row.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "期货北京营业部 的分配方式已改为“轮流分配”"
    )

    page.get_by_label("回访专员", exact=True).select_option(label="李娜（agent_a2）")
    page.get_by_label("开始日期").fill(today)
    page.get_by_label("结束日期").fill(today)
    page.get_by_label("原因").fill("年假")
    page.get_by_role("button", name="登记离岗").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记 李娜 离岗")
    expect(page.locator("#distribution-agents")).to_contain_text("离岗至")

    page.goto(f"{live_server.url}/callbacks/tasks/")
    for task in tasks:
        page.locator(f'input[name="pk"][value="{task.pk}"]').check()
    page.locator("#bulk-form button[value=distribute]").click()
    page.get_by_label("营业部").select_option(label="010101 期货北京营业部")
    page.get_by_role("button", name="确认平均分配给营业部的回访专员").click()
    expect(page.locator(".alert-success")).to_contain_text("已平均分配 2 条任务（轮流分配）")
    expect(page.locator(".alert-success")).to_contain_text("离岗未分配：李娜")
    assert set(CallbackTask.objects.values_list("assignee__username", flat=True)) == {"agent_a"}

    page.goto(f"{live_server.url}/callbacks/tasks/distribution/")
    page.locator("#absences").get_by_role("button", name="撤销").click()
    expect(page.locator(".alert-success")).to_contain_text("李娜 今天起在岗")
    assert not AgentAbsence.objects.exists()
    assert BranchDistribution.objects.get(branch=branches["a1"]).mode == "round_robin"
    assert page.console_errors == []
