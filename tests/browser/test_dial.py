"""显示号码 in the browser: the assigned agent clicks it on the task page and on the record
form and sees the full number as a tel: link, each click in the audit log; another agent
of the branch has no button; past the hourly limit the Chinese message shows in place.
And the customer page masks e-mails until a manager reveals them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from huifang.core.models import AuditEvent
from tests.conftest import PASSWORD
from tests.customers.factories import customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "18216097175"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def task(personas, branches):
    """An open task of branch 期货北京营业部 assigned to agent_a."""
    from huifang.callbacks.models import Batch, BusinessType, CallbackTask
    from huifang.rules.models import ScreeningRun

    cust = customer(
        "01000001",
        branches["a1"],
        mobile=MOBILE,
        phone="010-88886666",
        email=f"{MOBILE}@139.com",
    )
    business_type = BusinessType.objects.create(name="浏览器回访", max_unanswered_attempts=3)
    run = ScreeningRun.objects.create(as_of=datetime.date(2025, 12, 31), status="frozen")
    batch = Batch.objects.create(
        number="2000000001", run=run, business_type=business_type, as_of=run.as_of
    )
    return CallbackTask.objects.create(
        customer=cust,
        branch=cust.branch,
        business_type=business_type,
        batch=batch,
        rule_codes=",A001,",
        reasons="新开户客户",
        assignee=personas["agent_a"],
    )


def reveal_rows():
    return list(AuditEvent.objects.filter(action="reveal").values_list("user__username", "message"))


def test_assigned_agent_reveals_the_number_on_the_task_and_the_record_form(
    login, live_server, task
):
    page = login("agent_a")
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    numbers = page.locator("#task-numbers")
    expect(numbers).to_contain_text("182****7175")
    page.get_by_role("button", name="显示号码").click()
    link = page.locator(f'#task-numbers a[href="tel:{MOBILE}"]')
    expect(link).to_have_text(MOBILE)
    expect(page.locator('#task-numbers a[href="tel:01088886666"]')).to_have_text("010-88886666")
    assert reveal_rows() == [
        ("agent_a", f"回访任务 #{task.pk}：显示号码（手机号、联系电话）以便拨打")
    ]

    page.goto(f"{live_server.url}/records/tasks/{task.pk}/new/")
    expect(page.locator("#record-dial")).to_contain_text("182****7175")
    page.locator("#record-dial").get_by_role("button", name="显示号码").click()
    expect(page.locator(f'#record-dial a[href="tel:{MOBILE}"]')).to_have_text(MOBILE)
    assert len(reveal_rows()) == 2
    assert page.console_errors == []


def test_another_agent_of_the_branch_sees_no_button(login, live_server, task, branches):
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    do_create_user(username="agent_a2", password=PASSWORD, branch=branches["a1"], role=Role.AGENT)
    page = login("agent_a2")
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    expect(page.locator("#task-numbers")).to_contain_text("182****7175")
    expect(page.get_by_role("button", name="显示号码")).to_have_count(0)
    # The record form is the assigned agent's: a colleague is refused it (docs/users.md).
    page.goto(f"{live_server.url}/records/tasks/{task.pk}/new/")
    expect(page.get_by_text("该任务已分配给")).to_be_visible()
    expect(page.get_by_role("button", name="显示号码")).to_have_count(0)
    assert reveal_rows() == []


def test_past_the_hourly_limit_the_message_shows_in_place(login, live_server, task, settings):
    settings.TASK_REVEALS_PER_HOUR = 1
    page = login("agent_a")
    url = f"{live_server.url}/callbacks/tasks/{task.pk}/"
    page.goto(url)
    page.get_by_role("button", name="显示号码").click()
    expect(page.locator(f'a[href="tel:{MOBILE}"]')).to_be_visible()
    page.goto(url)
    page.get_by_role("button", name="显示号码").click()
    expect(page.locator("#task-numbers-message")).to_have_text(
        re.compile(r"查看号码过于频繁：每小时最多 1 次，请 \d+ 分钟后再试")
    )
    expect(page.locator(f'a[href="tel:{MOBILE}"]')).to_have_count(0)
    assert len(reveal_rows()) == 1


def test_customer_page_masks_the_email_until_a_manager_reveals_it(login, live_server, task):
    page = login("manager_a")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/customers/{task.customer.investor_code}/")
    expect(page.locator("#customer-email")).to_have_text("182****7175@139.com")
    page.get_by_role("button", name="显示完整信息").click()
    expect(page.locator("#customer-email")).to_have_text(f"{MOBILE}@139.com")
    assert reveal_rows()[0][0] == "manager_a"
