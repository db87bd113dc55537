"""Permission pages in the browser: a branch manager reads a rule without the controls
they may not use; a forbidden URL and an unknown one answer in Chinese, with a way back."""

import re

import pytest
from playwright.sync_api import expect

from huifang.rules import params as P
from huifang.rules.models import Rule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_branch_manager_reads_a_rule_without_edit_controls_and_meets_chinese_errors(
    personas, login, live_server
):
    rule = Rule.objects.get(code="A002")
    page = login("manager_a")

    page.get_by_role("button", name="回访规则").click()
    page.get_by_role("link", name="回访规则管理").click()
    expect(page.locator("h2.page-title")).to_have_text("回访规则管理")
    expect(page.get_by_role("link", name="A002")).to_be_visible()
    expect(page.get_by_text("修改参数值")).to_have_count(0)

    page.get_by_role("link", name="A002").click()
    expect(page.locator("h2.page-title")).to_have_text(f"A002 {rule.name}")
    for _key, label, value in P.display_params(rule.rule_type, rule.params):
        row = page.locator("tr", has=page.locator("th", has_text=label))
        expect(row.locator("td").first).to_have_text(str(value))
    expect(page.get_by_text("修改参数值")).to_have_count(0)
    expect(page.get_by_role("button", name="停用")).to_have_count(0)
    detail_url = page.url

    response = page.goto(f"{live_server.url}/rules/A002/edit/", referer=detail_url)
    assert response.status == 403
    expect(page.locator("h2.page-title")).to_have_text("没有权限")
    expect(page.get_by_test_id("error-message")).to_contain_text("没有执行此操作的权限")
    page.get_by_test_id("error-back").click()
    expect(page).to_have_url(detail_url)

    response = page.goto(f"{live_server.url}/rules/A002/no-such-page/")
    assert response.status == 404
    expect(page.locator("h2.page-title")).to_have_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text("Not Found")
    page.get_by_test_id("error-home").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h2.page-title")).to_have_text("首页")
    # The browser logs the 403 and 404 answers themselves; nothing else may fail.
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
