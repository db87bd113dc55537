"""An agent filtering the task list by 批次号 keeps 回访专员 = 我的任务 (shown in the filter
bar, removable with 全部); the bulk confirmation lists the tasks it acts on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_exports import column_texts, make_task, set_filter

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def two(branches, personas):
    from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    colleague = do_create_user(
        username="agent_a2", password=None, branch=branches["a1"], role=Role.AGENT
    )
    kind = BusinessType.objects.filter(is_active=True).order_by("pk").first()
    mine = make_task(branches["a1"], kind, assignee=personas["agent_a"])
    theirs = make_task(branches["a1"], kind, assignee=colleague)
    # one batch for both: the colleague's task linked to the agent's batch
    batch: Batch = mine.batch
    CallbackTask.objects.filter(pk=theirs.pk).update(batch=batch)
    TaskBatch.objects.filter(task=theirs).update(batch=batch)
    return batch, mine, theirs


def test_filtering_by_batch_keeps_my_tasks_until_i_choose_everyone(login, two):
    batch, mine, theirs = two
    page = login("agent_a")
    page.goto(page.url + "callbacks/tasks/")

    set_filter(page, "batch", batch.number)

    expect(page.locator("#filter-form [name='assignee']")).to_have_value("me")
    assert column_texts(page, "投资者代码") == [mine.customer.investor_code]

    set_filter(page, "assignee", "")

    codes = sorted(column_texts(page, "投资者代码"))
    assert codes == sorted([mine.customer.investor_code, theirs.customer.investor_code])


def test_the_cancel_confirmation_names_the_ticked_tasks(login, two):
    batch, mine, theirs = two
    page = login("manager_a")
    page.goto(page.url + f"callbacks/tasks/?batch={batch.number}")
    page.locator(f"input[name='pk'][value='{mine.pk}']").check()
    page.get_by_role("button", name="取消任务").click()

    listed = page.locator("#bulk-tasks")
    expect(listed).to_contain_text(mine.customer.investor_code)
    expect(listed).to_contain_text(f"#{mine.pk}")
    expect(listed).not_to_contain_text(theirs.customer.investor_code)
