"""Opening a form's target in the browser (a bookmarked 确认导入) shows the Chinese 405 page
in the site's layout with a way back, not the browser's blank page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huifang.core.errors import METHOD_NOT_ALLOWED

pytestmark = pytest.mark.browser


def test_opening_the_import_confirmation_shows_the_chinese_405_page(live_server, login, personas):
    page = login("hq_admin")
    response = page.goto(f"{live_server.url}/data/import/confirm/")
    assert response.status == 405
    expect(page.get_by_test_id("error-message")).to_have_text(METHOD_NOT_ALLOWED)
    expect(page.locator("#notification-bell")).to_be_visible()  # the site's layout
    page.get_by_test_id("error-home").click()
    expect(page).to_have_url(f"{live_server.url}/")
