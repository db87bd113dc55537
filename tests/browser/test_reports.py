"""汇总统计 in a browser: the charts draw, the branch tree folds, and clicking a number lands
on the list filtered to exactly that many rows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.reports.conftest import (  # noqa: F401  (fixtures)
    business_type,
    make_batch,
    make_record,
    make_task,
    today,
    world,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.usefixtures("world")
def test_click_a_number_on_the_dashboard_and_land_on_the_filtered_list(login, live_server):
    page = login("manager_a")
    page.get_by_text("汇总统计", exact=True).click()
    page.get_by_role("link", name="回访进度").click()
    page.wait_for_url(f"{live_server.url}/reports/")
    expect(page.locator("#chart-reasons canvas")).to_have_count(1)
    expect(page.locator("#chart-channels canvas")).to_have_count(1)

    # The tree folds: 北京分公司's ▾ hides its 营业部.
    branch_row = page.locator('#progress-branch tr[data-parent$="/0101/"]')
    expect(branch_row).to_be_visible()
    page.locator('#progress-branch tr[data-key$="/0101/"] .tree-toggle').click()
    expect(branch_row).to_be_hidden()
    page.locator('#progress-branch tr[data-key$="/0101/"] .tree-toggle').click()

    # 北京营业部's 逾期 (the seventh figure) → the task list, overdue, in that branch.
    cell = branch_row.locator("a.figure-link").nth(6)
    clicked = cell.get_attribute("data-count")
    assert clicked == "1"
    cell.click()
    page.wait_for_url("**/callbacks/tasks/**")
    expect(page.locator("#row-count strong")).to_have_attribute("data-row-count", clicked)
    assert page.console_errors == []


@pytest.mark.usefixtures("world")
def test_the_compliance_card_arrives_after_the_page_and_links_to_its_check(login, live_server):
    page = login("hq_admin")
    page.goto(f"{live_server.url}/reports/")
    overdue = page.locator("#compliance-counts a", has_text="逾期")
    expect(overdue.locator("[data-count]")).to_have_attribute("data-count", "2")
    overdue.click()
    page.wait_for_url("**/reports/compliance/overdue_tasks/**")
    assert page.console_errors == []
