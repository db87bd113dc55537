"""The branch manager's journey through the pages (issue 21): HQ's new batch lands in the
北京 branch unassigned; the manager shares it out to the office's two agents, moves one
task from one agent to the other, and handles the follow-up (反馈营业部) an agent sends
back after a call. 上海's task of the same batch never shows."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services as records
from huifang.callbacks.records.models import BranchFeedback, FailureReason
from huifang.org.models import Role
from huifang.org.services import do_create_user
from tests.browser.journeys import annual_batch, assert_clean, list_table, shown_column
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PEOPLE = [
    ("00000401", "周敏", "a1", "13900000401"),
    ("00000402", "吴刚", "a1", "13900000402"),
    ("00000403", "郑洁", "a1", "13900000403"),
    ("00000404", "冯涛", "a1", "13900000404"),
    ("00000405", "陈晨", "b1", "13900000405"),  # 上海: outside the manager's branch
]
FOLLOW_UP = "客户称账户由其子女代为操作，请营业部核实并进行风险提示"


def test_a_manager_distributes_reassigns_and_handles_a_follow_up(
    personas, branches, login, live_server
):
    tasks = annual_batch(branches, personas["hq_admin"], PEOPLE)
    do_create_user(
        username="agent_a2",
        password=PASSWORD,
        branch=branches["a1"],
        role=Role.AGENT,
        full_name="李娜",
    )
    page = login("manager_a")

    # Home: the branch's four new tasks, none assigned yet (上海's is not theirs).
    figure = page.locator("a.workbench-figure[data-label='未分配'] .h1")
    expect(figure).to_have_text("4")
    unassigned = page.locator("#unassigned-tasks tbody tr")
    expect(unassigned).to_have_count(4)
    expect(page.locator("#unassigned-tasks")).not_to_contain_text("陈晨")

    # 平均分配 to the office's agents: two each.
    page.get_by_role("link", name="全部，去分配").click()
    expect(list_table(page).locator("tbody tr")).to_have_count(4)
    page.locator("[data-select-all]").check()
    expect(list_table(page).locator("input[name=pk]:checked")).to_have_count(4)
    page.locator("#bulk-form button[value=distribute]").click()
    expect(page.locator("[data-confirm-count]")).to_have_text("4")
    page.get_by_label("营业部").select_option(label="010101 期货北京营业部")
    page.get_by_role("button", name="确认平均分配给营业部的回访专员").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "已平均分配 4 条任务（负载最少优先）：agent_a 2 条，李娜（agent_a2） 2 条"
    )
    expect(list_table(page).locator("tbody tr td[colspan]")).to_have_count(1)  # none left
    page.goto(f"{live_server.url}/callbacks/tasks/?status=open")
    table = list_table(page)
    expect(table.locator("tbody tr")).to_have_count(4)
    shared = dict(
        zip(shown_column(table, "投资者代码"), shown_column(table, "回访专员"), strict=True)
    )
    assert sorted(shared.values()) == ["agent_a", "agent_a", "李娜", "李娜"]

    # One of 李娜's tasks goes to agent_a instead.
    moved = min(code for code, agent in shared.items() if agent == "李娜")
    task = next(t for t in tasks if t.customer.investor_code == moved)
    table.locator(f'input[name="pk"][value="{task.pk}"]').check()
    page.locator("#bulk-form button[value=assign]").click()
    expect(page.locator("[data-confirm-count]")).to_have_text("1")
    page.get_by_label("回访专员").select_option(label="agent_a（agent_a）")
    page.get_by_role("button", name="确认分配给回访专员").click()
    expect(page.locator(".alert-success")).to_contain_text("已将 1 条任务分配给 agent_a")
    table = list_table(page)
    shared = dict(
        zip(shown_column(table, "投资者代码"), shown_column(table, "回访专员"), strict=True)
    )
    assert shared[moved] == "agent_a"
    assert sorted(shared.values()) == ["agent_a", "agent_a", "agent_a", "李娜"]
    table.get_by_role("link", name=moved).click()
    expect(page.locator("dt:text-is('回访专员') + dd")).to_have_text("agent_a")
    history = page.locator("#task-history > tbody > tr")  # not its 原始数据 tables' rows
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("自动分派任务")
    expect(history.first).to_contain_text("回访专员：— → 李娜")
    expect(history.last).to_contain_text("manager_a")
    expect(history.last).to_contain_text("分配任务")
    expect(history.last.locator(".audit-changes li")).to_have_text(["回访专员：李娜 → agent_a"])

    # agent_a calls the customer and sends a follow-up to the branch.
    records.do_create_record(
        CallbackTask.objects.get(pk=task.pk),
        {
            "status": "failure",
            "failure_reason": FailureReason.objects.get(name="非本人接听"),
            "method": "phone",
            "called_at": timezone.now().replace(microsecond=0),
            "duration_seconds": "01:10",
            "mobile_used": "",
            "remark": "",
        },
        actor=personas["agent_a"],
        feedback=FOLLOW_UP,
    )

    # The manager handles it: 营业部反馈, a note, 标记已处理; the task shows it handled.
    page.locator("#nav").get_by_role("button", name="回访记录管理").click()
    page.locator("#nav").get_by_role("link", name="营业部反馈").click()
    feedback = list_table(page)
    expect(feedback.locator("tbody tr")).to_have_count(1)
    assert shown_column(feedback, "反馈内容") == [FOLLOW_UP]
    assert shown_column(feedback, "客户账号") == [moved]
    assert shown_column(feedback, "反馈人") == ["agent_a"]
    feedback.get_by_label("处理说明").fill("已电话联系客户本人，进行风险提示并要求本人操作")
    feedback.get_by_role("button", name="标记已处理").click()
    expect(page.locator(".alert-success")).to_contain_text("反馈已标记为已处理")
    expect(list_table(page).locator("tbody tr").first).to_contain_text("已处理")
    list_table(page).get_by_role("link", name=moved).click()
    expect(page.locator("#task-feedback")).to_contain_text(
        "已处理：已电话联系客户本人，进行风险提示并要求本人操作"
    )
    handled = BranchFeedback.objects.get()
    assert handled.handled_by == personas["manager_a"]
    assert_clean(page)
