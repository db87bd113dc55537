"""后台任务: an import refused for its file (nothing written) reads 已拒绝 in yellow, apart
from a real failure's red 失败, and the 状态 filter finds each on its own."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from huifang.core.models import Job

pytestmark = pytest.mark.browser


def test_a_refused_import_reads_refused_in_the_job_list(live_server, login, personas):
    hq = personas["hq_admin"]
    Job.objects.create(
        kind="customers.import",
        title="导入客户：有误.csv",
        status=Job.Status.FAILED,
        error="导入被拒绝：第 2 行身份证号码校验位不正确",
        result={"rejected": True},
        created_by=hq,
    )
    Job.objects.create(
        kind="customers.import",
        title="导入客户：出错.csv",
        status=Job.Status.FAILED,
        error="内部错误：磁盘已满",
        created_by=hq,
    )
    page = login("hq_admin")
    page.goto(f"{live_server.url}/system/jobs/")
    refused = page.get_by_role("row").filter(has_text="有误.csv").locator("[data-job-status]")
    failed = page.get_by_role("row").filter(has_text="出错.csv").locator("[data-job-status]")
    expect(refused).to_have_text("已拒绝")
    expect(refused).to_have_class(re.compile(r"\bbg-yellow-lt\b"))
    expect(failed).to_have_text("失败")
    expect(failed).to_have_class(re.compile(r"\bbg-red-lt\b"))

    page.select_option("#id_status", label="已拒绝")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**status=rejected**")
    expect(page.get_by_text("有误.csv")).to_be_visible()
    expect(page.get_by_text("出错.csv")).to_have_count(0)
