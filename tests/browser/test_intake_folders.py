"""系统管理 → 导入目录 in Chromium: HQ opens it from the menu, changes 客户资金日报's folder,
is told why a relative path will not do, saves an absolute one and sees it listed as the
page's setting; the folder exists, ready for the back office's files."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_hq_edits_a_drop_folder_and_sees_it_listed(
    live_server, login, personas, settings, tmp_path
):
    settings.INTAKE_DIR = tmp_path / "env"
    target = tmp_path / "page" / "daily"

    page = login("hq_admin")
    nav = page.locator("#nav")
    nav.get_by_role("button", name="系统管理").click()
    nav.get_by_role("link", name="导入目录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/plans/intake/folders/")
    row = page.locator('#intake-folder-settings tr[data-dataset="daily"]')
    expect(row).to_contain_text(str(tmp_path / "env" / "daily"))
    expect(row).to_contain_text("环境变量")

    row.get_by_role("link", name="修改").click()
    page.get_by_label("导入目录").fill("page/daily")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("请填写以 / 开头的绝对路径")

    page.get_by_label("导入目录").fill(str(target))
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(f"{live_server.url}/plans/intake/folders/")
    expect(page.locator(".alert-success")).to_contain_text("已保存客户资金日报的导入目录")
    expect(row).to_contain_text(str(target))
    expect(row).to_contain_text("页面设置")
    expect(row).to_contain_text("启用")
    assert (target / "done").is_dir()
    assert page.console_errors == []
