"""The 回访服务记录维护 form at 1366×768: the form comes first, beside the customer's facts
(and the 拨打电话 numbers); the task's other cards (外呼, 短信, 问卷, 管理措施) follow
collapsed and open with a click (Tabler's collapse, no inline script). And an agent opening
a colleague's task sees who holds it instead of the buttons that work it."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HEIGHT = 768
SHOTS = os.environ.get("HUIFANG_SCREENSHOT_DIR", "")


def _open_task(username: str):
    from huifang.callbacks.models import CallbackTask

    return (
        CallbackTask.objects.filter(assignee__username=username, status__in=("new", "in_progress"))
        .order_by("pk")
        .first()
    )


def test_the_form_is_in_view_without_scrolling_at_1366(demo, demo_login, live_server):
    task = _open_task("010101_agent1")
    page = demo_login("010101_agent1")
    page.set_viewport_size({"width": 1366, "height": HEIGHT})
    page.goto(f"{live_server.url}/records/tasks/{task.pk}/new/")
    form = page.locator("#record-form")
    expect(form).to_be_visible()
    top = form.bounding_box()["y"]
    status = page.get_by_role("radiogroup").bounding_box()
    assert top < HEIGHT / 3, f"回访服务记录 starts at {top}px"
    assert status["y"] + status["height"] < HEIGHT, "回访状态 is below the fold"
    expect(page.locator("#record-dial")).to_be_in_viewport()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "record-form-1366.png"))
    assert not page.console_errors


def test_the_tasks_other_cards_are_collapsed_and_open_on_click(demo, demo_login, live_server):
    task = _open_task("010101_agent1")
    page = demo_login("010101_agent1")
    page.set_viewport_size({"width": 1366, "height": HEIGHT})
    page.goto(f"{live_server.url}/records/tasks/{task.pk}/new/")
    bodies = page.locator("[data-task-section-body]")
    assert bodies.count() >= 3
    for index in range(bodies.count()):
        expect(bodies.nth(index)).to_be_hidden()
    toggle = page.locator("[data-task-section]").filter(has_text="问卷").get_by_role("button")
    toggle.first.click()
    expect(toggle.first).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#task-invitations")).to_be_visible()
    assert not page.console_errors


def test_a_colleagues_task_names_its_holder_instead_of_the_buttons(demo, demo_login, live_server):
    task = _open_task("010101_agent2")
    page = demo_login("010101_agent1")
    page.goto(f"{live_server.url}/records/tasks/{task.pk}/")
    expect(page.locator("#task-not-mine")).to_contain_text("该任务已分配给")
    expect(page.get_by_role("link", name="登记回访记录")).to_have_count(0)
    expect(page.get_by_role("link", name="录入线下问卷")).to_have_count(0)
    expect(page.get_by_role("link", name="下发问卷")).to_have_count(0)
    expect(page.locator("[data-survey-work-refusal]")).to_contain_text("该任务已分配给")


def test_an_agent_sends_a_questionnaire_for_their_own_task(demo, demo_login, live_server):
    task = _open_task("010101_agent1")
    page = demo_login("010101_agent1")
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    page.get_by_role("link", name="下发问卷").click()
    expect(page).to_have_url(f"{live_server.url}/surveys/invite/task/{task.pk}/")
    page.get_by_label("渠道").select_option("h5")
    page.get_by_role("button", name="确认下发问卷").click()
    expect(page).to_have_url(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    expect(page.get_by_text("新建邀请")).to_be_visible()
    assert not page.failed_requests
