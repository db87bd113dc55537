"""两步验证 in Chromium: turn it on from the user menu with a code, then a new login asks
for the code before the home page."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD
from tests.org.test_otp import _code

pytestmark = pytest.mark.browser


def test_an_agent_turns_on_the_second_factor_and_logs_in_with_a_code(personas, login, live_server):
    page = login("agent_a")
    page.locator("#user-menu").click()
    page.get_by_role("link", name="两步验证").click()
    assert page.locator("#otp-qr svg").count() == 1
    device = TOTPDevice.objects.get(user=personas["agent_a"], confirmed=False)
    page.fill("#id_code", _code(device))
    page.get_by_role("button", name="启用").click()
    assert "已启用两步验证" in page.locator("body").inner_text()

    page.locator("#user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "agent_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/otp/**")
    # A code is good once: the next 30-second step's code stands in for "a minute later".
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    page.fill("#id_code", _code(device))
    page.get_by_role("button", name="验证并登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#nav").count() == 1
    assert page.console_errors == []
