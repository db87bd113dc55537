"""A list says which filters are on: 营业部反馈 of one task shows 任务 #N (with a ✕ that
clears it, and 查询 keeps it); an invalid filter shows its error and no rows, never every
row as if filtered."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huifang.callbacks.records.services import do_feedback
from huifang.core.views import INVALID_FILTER_TEXT

pytestmark = pytest.mark.browser


def test_the_feedback_of_one_task_shows_and_keeps_its_task(
    live_server, login, personas, make_open_task
):
    task, other = make_open_task("a1"), make_open_task("a1")
    agent = personas["agent_a"]
    do_feedback(task, "本任务的反馈", actor=agent, announce=False)
    do_feedback(other, "别的任务的反馈", actor=agent, announce=False)

    page = login("hq_admin")
    page.goto(f"{live_server.url}/records/feedback/?task={task.pk}")
    chip = page.locator('[data-pinned="task"]')
    expect(chip).to_contain_text(f"任务 #{task.pk}")
    expect(page.get_by_text("别的任务的反馈")).to_have_count(0)

    page.select_option("#id_handled", "false")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**handled=false**")
    assert f"task={task.pk}" in page.url
    expect(chip).to_contain_text(f"任务 #{task.pk}")
    expect(page.get_by_text("本任务的反馈")).to_be_visible()
    expect(page.get_by_text("别的任务的反馈")).to_have_count(0)

    chip.get_by_role("link", name=f"清除筛选“任务 #{task.pk}”").click()
    expect(page.locator('[data-testid="pinned-filters"]')).to_have_count(0)
    assert "task=" not in page.url and "handled=false" in page.url
    expect(page.get_by_text("别的任务的反馈")).to_be_visible()


def test_an_invalid_status_shows_its_error_and_no_task(
    live_server, login, personas, make_open_task
):
    task = make_open_task("a1")
    page = login("hq_admin")
    page.goto(f"{live_server.url}/callbacks/tasks/?status=bogus")
    status = page.locator("#filter-form #id_status").locator("xpath=..")
    expect(status.locator(".invalid-feedback")).to_be_visible()
    expect(page.get_by_text(INVALID_FILTER_TEXT)).to_be_visible()
    expect(page.locator(f'a[href="/callbacks/tasks/{task.pk}/"]')).to_have_count(0)
