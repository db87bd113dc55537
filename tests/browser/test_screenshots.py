"""The documentation's screenshots (docs/screenshots/, shown by docs/user-guide.md, the README
and docs/users.md), taken by the tests as each role walks the demo company that ``make run``
loads: HQ through the five steps, the manager's 分配给专员, the agent's task and record form,
the customer's H5 questionnaire at 375×667 and the auditor's log. Every shot first asserts
what its page shows (title, counts, names) and that nothing went wrong on the way (no
console error, no failed request).

``make screenshots`` runs this module with HUIFANG_SCREENSHOT_DIR=docs/screenshots and so
rewrites the pictures; in ``make test`` the walk is checked and nothing is written.
``tests/test_docs_links.py`` checks every picture the documents show is one taken here."""

from __future__ import annotations

import os
import pathlib

import pytest
from playwright.sync_api import expect

from huifang.callbacks.models import Batch, CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.channels.calls.models import CallRef
from huifang.channels.calls.services import do_ingest_call
from huifang.channels.sms.models import SmsMessage
from huifang.core.actors import Actor
from huifang.core.models import AuditEvent
from huifang.customers.models import Customer, ImportRecord
from huifang.reports.models import Measure
from huifang.rules.models import Rule, ScreeningRun
from huifang.surveys.choices import Channel, InvitationStatus
from huifang.surveys.models import Invitation
from tests.browser.journeys import assert_clean, row_count, write_csv

pytestmark = pytest.mark.browser

SHOT_DIR = os.environ.get("HUIFANG_SCREENSHOT_DIR", "")
DESKTOP = {"width": 1400, "height": 860}
PHONE = {"width": 375, "height": 667}
AGENT = "010101_agent1"
# The demo's own branches (unchanged) and two bad rows: the import is refused whole and the
# result page shows the row report.
BRANCHES = (
    ["部门代码", "部门名称", "上级部门代码"],
    [
        ["01", "总部", ""],
        ["0101", "北京分公司", "01"],
        ["010101", "北京朝阳营业部", "0101"],
        ["010199", "", "0101"],
        ["010198", "北京测试营业部", "0199"],
    ],
)


def shoot(page, name: str, *, full_page: bool = False) -> None:
    """Writes ``docs/screenshots/<name>.png`` when asked to (HUIFANG_SCREENSHOT_DIR), once the
    page has settled; the caller has asserted what it shows."""
    page.wait_for_load_state("networkidle")
    assert_clean(page)
    if SHOT_DIR:
        page.screenshot(path=str(pathlib.Path(SHOT_DIR) / f"{name}.png"), full_page=full_page)


def title(page, text: str) -> None:
    expect(page.locator("h2.page-title")).to_have_text(text)


def open_page(page, base: str, path: str, heading: str) -> None:
    page.goto(base + path)
    title(page, heading)


def my_open_task() -> CallbackTask:
    return (
        CallbackTask.objects.filter(assignee__username=AGENT, status__in=("new", "in_progress"))
        .select_related("customer")
        .order_by("pk")
        .first()
    )


def test_hq_s_pages_through_the_five_steps(demo, demo_login, live_server, page, tmp_path):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    page.emulate_media(reduced_motion="reduce")  # charts drawn at once, not mid-animation

    page.goto(f"{base}/login/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    shoot(page, "login")

    demo_login("hq_admin")
    title(page, "首页")
    expect(page.locator("main")).to_contain_text("最近的筛选")
    shoot(page, "home")

    # 第一步 数据接口
    open_page(page, base, "/data/import/", "数据导入")
    expect(page.get_by_label("数据集")).to_have_value("branches")
    shoot(page, "imports")
    header, rows = BRANCHES
    page.get_by_label("文件").set_input_files(write_csv(tmp_path / "部门-示例.csv", header, rows))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("[data-import-preview] tbody tr")).to_have_count(5)
    expect(page.locator("dl")).to_contain_text("部门-示例.csv")
    shoot(page, "import_preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("[id^=job-] [data-job-status]")).to_have_text("已拒绝")
    record = ImportRecord.objects.latest("pk")
    page.goto(f"{base}/data/imports/{record.pk}/")
    expect(page.locator("[data-import-status]")).to_have_text(record.get_status_display())
    expect(page.locator("main")).to_contain_text("错误明细（2 条）")
    expect(page.locator("main")).to_contain_text("必填项不能为空")
    expect(page.locator("main")).to_contain_text("上级部门代码不存在")
    shoot(page, "import_result")
    open_page(page, base, "/customers/", "客户列表")
    assert row_count(page) == str(Customer.objects.count())
    shoot(page, "customers")
    customer = Customer.objects.get(investor_code="0000000003")
    page.goto(f"{base}/customers/{customer.investor_code}/")
    expect(page.locator("main")).to_contain_text(customer.name)
    shoot(page, "customer")

    # 第二步 回访规则
    open_page(page, base, "/rules/", "回访规则管理")
    assert row_count(page) == str(Rule.objects.count())
    shoot(page, "rules")
    open_page(page, base, "/rules/A002/", "A002 大额亏损客户")
    expect(page.get_by_test_id("meaning")).to_be_visible()
    shoot(page, "rule_detail")
    open_page(page, base, "/rules/A002/edit/", "修改参数值：A002 大额亏损客户")
    expect(page.get_by_label("修改说明")).to_be_visible()
    shoot(page, "rule_edit")
    open_page(page, base, "/rules/custom/new/", "新建自定义规则")
    expect(page.get_by_role("button", name="预览命中数")).to_be_visible()
    shoot(page, "custom_rule")

    # 第三步 筛选与数据落地: the demo's frozen run, and a new one left as 预览.
    frozen = ScreeningRun.objects.get()
    path, heading = f"/rules/screening/runs/{frozen.pk}/", f"筛选 #{frozen.pk}（2025-12-31）"
    open_page(page, base, path, heading)
    expect(page.locator("[data-run-status]")).to_have_text("已落地")
    expect(page.get_by_test_id("scoped-total")).to_have_text(str(frozen.hits.count()))
    shoot(page, "screening", full_page=True)  # the hits with their reasons, below the rules
    open_page(page, base, "/rules/screening/new/", "回访任务数据")
    page.get_by_label("年度回访最后一天（基准日）").fill("2025-12-31")
    expect(page.get_by_test_id("newest-daily")).to_contain_text("2025-12-31")
    shoot(page, "screening_form")
    page.get_by_role("button", name="使用参数生成数据").click()
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("已完成")
    card.get_by_role("link", name="查看结果").click()
    run = ScreeningRun.objects.latest("pk")
    expect(page.locator("[data-run-status]")).to_have_text("预览")
    expect(page.get_by_test_id("scoped-total")).to_have_text(str(run.hits.count()))
    expect(page.get_by_role("button", name="数据落地")).to_be_visible()
    shoot(page, "screening_preview")

    # 第四步 回访名单与回访
    batch = Batch.objects.get()
    page.goto(f"{base}/callbacks/batches/{batch.pk}/")
    expect(page.locator("h2.page-title")).to_contain_text(batch.number)
    shoot(page, "batch")
    open_page(page, base, "/callbacks/tasks/", "回访任务")
    assert row_count(page) == str(CallbackTask.objects.count())
    shoot(page, "tasks")
    open_page(page, base, "/records/", "回访记录管理")
    assert row_count(page) == str(CallbackRecord.objects.count())
    shoot(page, "records")
    open_page(page, base, "/surveys/results/", "问卷结果")
    shoot(page, "survey_results")
    open_page(page, base, "/sms/", "短信记录")
    assert row_count(page) == str(SmsMessage.objects.count())
    shoot(page, "sms")
    # 外呼: HQ pushes the open tasks' call list; the platform reports three calls back (the
    # service its signed webhook calls) and 外呼记录 lists them.
    open_page(page, base, "/callbacks/tasks/?status=open", "回访任务")
    page.locator("#push-calls").click()
    pushed = CallbackTask.objects.filter(status__in=("new", "in_progress")).count()
    expect(page.locator("[data-push-count]")).to_have_text(str(pushed))
    page.get_by_role("button", name="确认推送").click()
    expect(page.locator("[data-push-count]")).to_have_text(str(pushed))
    refs = CallRef.objects.select_related("task__customer").order_by("pk")[:3]
    for n, (ref, result) in enumerate(zip(refs, ("connected", "no_answer", "busy"), strict=True)):
        do_ingest_call(
            {
                "call_id": f"IVR-{n + 1}",
                "task_ref": ref.ref,
                "started_at": f"2026-01-05T10:0{n}:00+08:00",
                "duration_seconds": 95 if result == "connected" else 0,
                "attempt": 1,
                "result": result,
                "agent": "IVR01",
            },
            source="webhook",
            actor=Actor.partner("外呼平台"),
        )
    open_page(page, base, "/calls/", "外呼记录")
    assert row_count(page) == "3"
    expect(page.locator("main")).to_contain_text(refs[0].task.customer.name)
    shoot(page, "calls")

    # 第五步 汇总统计
    open_page(page, base, "/reports/", "汇总统计")
    expect(
        page.locator("#totals .card", has=page.get_by_text("任务总数", exact=True)).locator(
            "a.figure-link"
        )
    ).to_have_attribute("data-count", str(CallbackTask.objects.count()))
    expect(page.locator("#chart-reasons canvas")).to_have_count(1)
    expect(page.locator("#compliance-counts")).to_be_attached()
    shoot(page, "dashboard")
    open_page(page, base, "/reports/compliance/", "合规核查")
    expect(page.locator("#compliance-index tr").first).to_be_visible()
    shoot(page, "compliance")
    open_page(page, base, "/reports/measures/", "管理措施")
    assert row_count(page) == str(Measure.objects.count())
    shoot(page, "measures")
    open_page(page, base, "/reports/evidence/", "证据包")
    expect(page.get_by_role("button", name="生成证据包")).to_be_visible()
    shoot(page, "evidence")
    open_page(page, base, "/org/token/", "API 令牌")
    shoot(page, "api_token")


def test_the_manager_s_assignment_page(demo, demo_login, live_server, page):
    page.set_viewport_size(DESKTOP)
    demo_login("010101_manager")
    page.goto(f"{live_server.url}/callbacks/tasks/?status=open")
    page.locator("input[name=pk]").first.check()
    page.locator("button[value=assign]").click()
    expect(page.locator("[data-confirm-count]")).to_have_text("1")
    expect(page.get_by_role("button", name="确认分配给回访专员")).to_be_visible()
    shoot(page, "task_assign")


def test_the_agent_s_task_record_form_and_paper_questionnaire(demo, demo_login, live_server, page):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    task = my_open_task()
    demo_login(AGENT)
    title(page, "首页")
    expect(page.locator("#my-open-tasks")).to_contain_text(task.customer.investor_code)
    shoot(page, "workbench_agent")
    page.goto(f"{base}/callbacks/tasks/{task.pk}/")
    expect(page.locator("main")).to_contain_text(task.customer.name)
    shoot(page, "task")
    page.goto(f"{base}/records/tasks/{task.pk}/")
    expect(page.get_by_role("link", name="登记回访记录")).to_be_visible()
    shoot(page, "task_records")
    # The form first, beside the customer's facts; the task's other cards folded below.
    page.goto(f"{base}/records/tasks/{task.pk}/new/")
    expect(page.locator("#record-form")).to_be_in_viewport()
    expect(page.locator("[data-task-section-body]").first).to_be_hidden()
    shoot(page, "record_form", full_page=True)
    page.goto(f"{base}/surveys/offline/{task.pk}/")
    expect(page.locator("#offline-form [data-question]").first).to_be_visible()
    expect(page.get_by_label("纸质问卷扫描件")).to_be_visible()
    shoot(page, "offline_entry")


def test_the_customer_s_h5_questionnaire_on_a_phone(demo, live_server, page):
    invitation = (
        Invitation.objects.filter(channel=Channel.H5)
        .exclude(status__in=(InvitationStatus.ANSWERED, InvitationStatus.EXPIRED))
        .order_by("pk")
        .first()
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/q/{invitation.token}")
    expect(page.get_by_role("button", name="提交问卷")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "h5")


def test_the_auditor_s_audit_log(demo, demo_login, live_server, page):
    page.set_viewport_size(DESKTOP)
    demo_login("auditor")
    open_page(page, live_server.url, "/system/audit/", "审计日志")
    assert row_count(page) == str(AuditEvent.objects.count())
    expect(page.get_by_role("button", name="保存")).to_have_count(0)
    shoot(page, "audit")
