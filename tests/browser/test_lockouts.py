"""系统管理 → 登录锁定: an administrator lifts a lock with 解锁 and the user signs in."""

import pytest
from playwright.sync_api import expect

from huifang.core.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_unlock_lifts_the_lock_and_the_user_signs_in(personas, login, live_server, settings):
    settings.AXES_FAILURE_LIMIT = 2
    page = login("hq_admin")
    other = page.context.browser.new_context(locale="zh-CN")
    agent = other.new_page()
    for _ in range(2):
        agent.goto(f"{live_server.url}/login/")
        agent.fill("#id_username", "agent_a")
        agent.fill("#id_password", "wrong")
        agent.click("button[type=submit]")
    expect(agent.locator("body")).to_contain_text("已暂时锁定")
    page.goto(f"{live_server.url}/org/lockouts/")
    row = page.locator("#lockouts tr", has_text="agent_a")
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="解锁").click()
    expect(page.locator(".alert-success")).to_contain_text("已解除 agent_a")
    assert AuditEvent.objects.filter(
        action="unlock", object_id=str(personas["agent_a"].pk)
    ).exists()
    agent.goto(f"{live_server.url}/login/")
    agent.fill("#id_username", "agent_a")
    agent.fill("#id_password", PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_url(f"{live_server.url}/")
    other.close()
