"""HQ registers the app hall under 系统管理 → 对接方, copies the secret shown once, then
resets it from the partner's page and gets a new one (both compared with the database)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huifang.partners import signing
from huifang.partners.models import Partner

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_hq_registers_a_partner_and_resets_its_secret(live_server, login, personas):
    page = login("hq_admin")
    page.get_by_role("button", name="系统管理").click()
    page.get_by_role("link", name="对接方", exact=True).click()
    page.get_by_role("link", name="新建对接方").click()
    page.fill("#id_name", "掌厅")
    page.select_option("#id_kind", "apphall")
    page.fill("#id_url", "https://apphall.example.com/huifang/events")
    page.get_by_role("button", name="保存").click()

    expect(page.locator("#partner-secret")).to_be_visible()
    partner = Partner.objects.get(name="掌厅")
    first = page.locator("#partner-secret").inner_text()
    assert first == signing.secret_of(partner)
    assert page.locator("#partner-key").inner_text() == partner.key

    page.get_by_role("link", name="我已保存，查看对接方").click()
    expect(page.locator("#partner-status")).to_have_text("启用")
    assert first not in page.content()
    page.get_by_role("link", name="重置密钥").click()
    page.get_by_role("button", name="确认").click()
    second = page.locator("#partner-secret").inner_text()
    assert second != first and second == signing.secret_of(Partner.objects.get(pk=partner.pk))
    assert page.console_errors == []
