"""A branch manager ticks a task in the task list, sends it the H5 questionnaire after the
confirmation, and finds the link to copy on the task's page."""

import pytest
from playwright.sync_api import expect

from huifang.surveys import sending, services
from huifang.surveys.models import Invitation
from tests.surveys.conftest import file_data
from tests.surveys.invites import make_task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_invites_a_task_and_finds_the_h5_link(personas, branches, login, live_server):
    services.do_import_file(file_data(), publish=True, actor=None)
    task = make_task(branches["a1"])
    page = login("manager_a")
    page.goto(f"{live_server.url}/callbacks/tasks/?batch={task.batch.number}")
    page.locator(f"input[name='pk'][value='{task.pk}']").check()
    page.get_by_role("button", name="下发问卷").click()
    expect(page.locator("[data-confirm-count]")).to_have_text("1")
    page.select_option("#id_channel", "h5")
    page.get_by_role("button", name="确认下发问卷").click()
    expect(page.get_by_text("新建邀请 1 条")).to_be_visible()

    invitation = Invitation.objects.get(task=task)
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    link = page.locator("#task-invitations [data-h5-link]")
    expect(link).to_have_value(f"{live_server.url}/q/{invitation.token}")
    assert page.console_errors == []


def test_copy_link_copies_the_whole_h5_link_and_says_so(personas, branches, login, live_server):
    services.do_import_file(file_data(), publish=True, actor=None)
    task = make_task(branches["a1"])
    sending.do_invite([task.pk], channel="h5", actor=None)
    invitation = Invitation.objects.get(task=task)
    page = login("manager_a")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    row = page.locator(f'#task-invitations tr[data-invitation="{invitation.code}"]')
    expect(row).to_contain_text("链接可用（待客户打开）")
    button = page.locator(f'#task-invitations [data-copy="h5-link-{invitation.code}"]')
    expect(button).to_have_text("复制链接")
    button.click()
    expect(button).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/q/{invitation.token}"
    assert page.console_errors == []
