"""回访计划 in the browser: HQ creates a plan in the form, runs it for a date (confirmed),
and the plan's page links the run to its screening and its batch."""

import datetime

import pytest
from playwright.sync_api import expect

from huifang.automation.models import Plan, PlanRun, PlanRunStatus
from tests.rules.conftest import customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = datetime.date


def test_hq_creates_a_plan_and_runs_it(live_server, login, personas, branches):
    customer(branches["a1"], birth_date=D(1950, 1, 1), name="七十五岁")
    customer(branches["b1"], birth_date=D(1953, 6, 1), name="七十二岁")

    page = login("hq_admin")
    page.goto(f"{live_server.url}/plans/")
    page.get_by_role("link", name="新增回访计划").click()
    page.get_by_label("计划名称").fill("年末老年客户回访")
    page.get_by_label("回访规则").select_option(["A003"])
    page.get_by_label("回访基准日").select_option("year_end")
    page.get_by_label("执行时间").fill("20:30")
    page.get_by_label("回访业务类型").select_option(label="年度适当性回访")
    page.get_by_label("执行方式").select_option("auto")
    page.get_by_role("button", name="保存").click()

    plan = Plan.objects.get(name="年末老年客户回访")
    expect(page).to_have_url(f"{live_server.url}/plans/{plan.pk}/")
    expect(page.locator("#plan")).to_contain_text("每年最后一个交易日 20:30")
    expect(page.locator("#plan-runs")).to_contain_text("尚未执行")

    page.locator("#run-form input[name=on]").fill("2025-12-31")
    page.get_by_role("button", name="执行").click()
    expect(page.locator(".alert-warning")).to_contain_text("按回访基准日 2025-12-31 执行")
    page.get_by_role("button", name="确认").click()
    expect(page.locator("[data-job-status]")).to_have_text("已完成")
    page.get_by_role("link", name="查看结果").click()

    plan_run = PlanRun.objects.get(plan=plan)
    assert plan_run.status == PlanRunStatus.DONE and plan_run.screening_run.hit_count == 2
    row = page.locator('#plan-runs tr[data-occurrence="2025-12-31"]')
    expect(row.locator(".run-status")).to_have_text("已完成")
    expect(row.get_by_role("link", name=plan_run.batch.number)).to_have_attribute(
        "href", f"/callbacks/batches/{plan_run.batch.pk}/"
    )
    expect(row.get_by_role("link", name=f"#{plan_run.screening_run.pk}")).to_have_attribute(
        "href", f"/rules/screening/runs/{plan_run.screening_run.pk}/"
    )
    assert page.console_errors == []
