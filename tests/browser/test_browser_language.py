"""The test browser is a Chinese one, as the staff's are: the words Chromium draws itself
(a file input's 选择文件, a date input's 年/月/日, the bubble of a required field) are Chinese
in the tests and in the screenshots (conftest.CHROMIUM_ENV, Debian's chromium-l10n)."""

import pytest

pytestmark = pytest.mark.browser


def test_the_browser_s_own_messages_are_chinese(page, live_server):
    page.goto(f"{live_server.url}/login/")

    message = page.locator("#id_username").evaluate("el => el.validationMessage")

    assert message == "请填写此字段。"
