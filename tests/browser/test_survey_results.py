"""HQ opens 问卷结果 from the menu, picks the questionnaire version and sees the answer
distribution drawn by ECharts and the abnormal response, which links to its task."""

import pytest
from playwright.sync_api import expect

from huifang.surveys import services
from tests.surveys import results_world
from tests.surveys.conftest import file_data

pytestmark = [pytest.mark.browser]


def test_hq_reads_the_results_chart_and_abnormal_list(personas, branches, login, live_server):
    services.do_import_file(file_data(), publish=True, actor=None)
    world = results_world.build(branches)
    page = login("hq_admin")
    page.get_by_role("button", name="问卷管理").click()
    page.get_by_role("link", name="问卷结果").click()
    page.get_by_role("link", name="QN-TEST").click()

    expect(page.locator("#by-channel tfoot td").nth(3)).to_have_text("3")
    chart = page.locator("#chart-1")
    expect(chart.locator("canvas")).to_have_count(1)
    abnormal = page.locator("#abnormal-responses tbody tr")
    expect(abnormal).to_have_count(1)
    expect(abnormal.first).to_contain_text("第 1 题 您是本人吗？")

    abnormal.first.get_by_role("link", name="查看答案").click()
    expect(page.locator("#response-answers tr[data-abnormal]")).to_contain_text("不是本人")
    page.get_by_role("link", name="回访任务").click()
    expect(page.locator("h2.page-title")).to_contain_text(f"回访任务 #{world.tasks_a[1].pk}")
    assert page.console_errors == []
