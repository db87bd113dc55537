"""站内消息 in the browser: an agent sees the bell's unread count, opens the message from
the dropdown, lands on its task and the count goes down."""

import pytest
from playwright.sync_api import expect

from huifang.automation import notifications
from huifang.automation.models import Notification, NotificationKind
from huifang.automation.notifications import Message
from tests.surveys.invites import make_task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_agent_sees_the_bell_and_opens_the_message(live_server, login, personas, branches):
    agent = personas["agent_a"]
    task = make_task(branches["a1"], assignee=agent)
    notifications.notify(
        [
            Message(
                agent.pk,
                NotificationKind.TASK_ASSIGNED,
                f"assigned:{task.pk}",
                f"新分配的回访任务 #{task.pk}",
                link=f"/callbacks/tasks/{task.pk}/",
            ),
            Message(agent.pk, NotificationKind.OVERDUE, "overdue:x", "您有 1 条回访任务已逾期"),
        ]
    )

    page = login("agent_a")
    bell = page.locator("#notification-bell")
    expect(bell.locator("[data-unread]")).to_have_text("2")
    bell.get_by_role("link", name="站内消息：2 条未读").click()
    bell.get_by_role("link", name=f"新分配的回访任务 #{task.pk}").click()

    expect(page).to_have_url(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    expect(page.locator("#notification-bell [data-unread]")).to_have_text("1")
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

    page.locator("#notification-bell > a").click()
    page.get_by_role("link", name="查看全部消息").click()
    expect(page.locator("tr[data-notification]")).to_have_count(2)
    expect(page.locator("tr[data-notification] .notification-status").first).to_have_text("未读")
    assert page.console_errors == []


def test_an_assignment_message_opens_the_tasks_still_assigned_and_says_so(
    live_server, login, personas, branches
):
    from huifang.automation.reminders import ASSIGNMENT_LINK_NOTE
    from huifang.callbacks import services as callbacks
    from huifang.org.models import Role
    from tests.conftest import _user

    tasks = [make_task(branches["a1"]) for _ in range(3)]
    callbacks.do_assign([t.pk for t in tasks], personas["agent_a"], actor=personas["manager_a"])
    colleague = _user("agent_a2", branches["a1"], Role.AGENT)
    callbacks.do_assign([tasks[0].pk], colleague, actor=personas["manager_a"])

    page = login("agent_a")
    page.goto(f"{live_server.url}/plans/messages/")
    row = page.locator("tr[data-notification]").filter(has_text="新分配给您 3 条回访任务")
    expect(row).to_contain_text(ASSIGNMENT_LINK_NOTE)
    row.get_by_role("link", name="新分配给您 3 条回访任务").click()
    page.wait_for_url("**/callbacks/tasks/?**")
    for task in tasks[1:]:
        expect(page.locator(f'a[href="/callbacks/tasks/{task.pk}/"]').first).to_be_visible()
    expect(page.locator(f'a[href="/callbacks/tasks/{tasks[0].pk}/"]')).to_have_count(0)
