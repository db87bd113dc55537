"""Issue 15 in the browser: the audit log, filtered by a declared action, shows what a
partner registered with the numbers and address masked and the partner as the source."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.records import conftest as records

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_audit_log_filtered_by_action_shows_a_partners_record_masked(
    personas, make_open_task, login, live_server
):
    from huifang.callbacks.records import services
    from huifang.core.actors import Actor

    values = records.content.__wrapped__()(
        mobile_used="13812345678", address="北京市朝阳区建国路88号"
    )
    record = services.do_create_record(
        make_open_task("a1"), values, actor=Actor.partner("外呼平台"), agent=personas["agent_a"]
    )
    page = login("auditor")
    page.goto(f"{live_server.url}/system/audit/")
    page.select_option("select[name=action]", label="登记回访记录")
    page.get_by_role("button", name="查询").click()

    # The rows of the log itself (each row holds its 原始数据 table, with rows of its own).
    row = page.locator("table:not(.audit-raw-table) > tbody > tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"回访记录 #{record.pk}")
    expect(row).to_contain_text("138****5678")
    expect(row).to_contain_text("北京市朝阳区****")
    expect(row).not_to_contain_text("13812345678")
    expect(row).not_to_contain_text("建国路")
