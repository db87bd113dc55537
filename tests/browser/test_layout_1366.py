"""At 1366 × 768 (the smallest screen the branches use) the pages that clipped their
content — the home page, 回访进度's 按命中规则 card, 管理措施, HQ's 站内消息, 短信记录, 分配设置's
分配方式 (its 保存 cut off), a 合规核查 check's findings and 问卷结果's 异常问卷 — fit the
window: the page does not scroll sideways and no table or card cuts its content off (a
table wider than its card scrolls inside it, with the columns past the edge out of sight)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Elements whose content is wider than their box while they hide or scroll the rest:
# content a user cannot see without scrolling a table sideways. Inputs, truncated labels
# and text for screen readers only cut their text on purpose.
CLIPPED = """() => [...document.querySelectorAll('main *')].filter(el => {
  const style = getComputedStyle(el);
  if (!['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) return false;
  if (el.matches('input, select, textarea, .text-truncate, .visually-hidden')) return false;
  if (el.closest('.dropdown-menu')) return false;
  return el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1;
}).map(el => `${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth}>${el.clientWidth}`)"""

PAGES = {
    "/": "#latest-runs",
    "/reports/": "#progress-rule",
    "/reports/measures/": "main table",
    "/plans/messages/": "#notifications table",
    "/sms/": "main table",
    "/callbacks/tasks/distribution/": "#distribution-modes",
    "/reports/compliance/elderly_without_callback/": "#findings",
}


@pytest.fixture
def long_messages(demo):
    """HQ's messages as a failed drop-folder file and a failed plan write them: long file
    names and paths with no place to break."""
    from huifang.automation.models import Notification, NotificationKind
    from huifang.org.models import User

    admin = User.objects.get(username="hq_admin")
    name = "daily_balance_20260105_from_clearing_system_export_full_version_2.csv"
    Notification.objects.create(
        recipient=admin,
        kind=NotificationKind.INTAKE_FAILED,
        dedupe_key="intake:layout",
        title=f"自动导入 客户资金日报 {name}：失败",
        body=f"第 12 行：资金余额不是数字；文件已移到 /var/lib/huifang/drop/daily/failed/{name}",
    )
    Notification.objects.create(
        recipient=admin,
        kind=NotificationKind.PLAN_FAILED,
        dedupe_key="plan:layout",
        title="回访计划“每月新开户客户回访（含两融、期权与特殊法人账户）”基准日 2026-01-05 执行失败",
        body="筛选失败：规则 A001 参数版本未生效，请在回访规则页面确认参数版本后重试。",
    )


@pytest.fixture
def sent_texts(demo):
    """短信记录 as days of sending leave it: sent and delivered (three date-times a row),
    a provider's long refusal, a fund's long name."""
    from django.utils import timezone

    from huifang.channels.sms.models import SmsMessage, SmsStatus

    now = timezone.now()
    SmsMessage.objects.update(
        status=SmsStatus.DELIVERED,
        sent_at=now,
        delivered_at=now,
        provider_text="DELIVRD 用户接收成功",
    )
    failed = SmsMessage.objects.order_by("-queued_at").first()
    SmsMessage.objects.filter(pk=failed.pk).update(
        status=SmsStatus.FAILED,
        provider_text="重试 5 次仍失败：isv.BUSINESS_LIMIT_CONTROL：触发小时级流控Permits:5",
    )
    failed.customer.name = "上海远景资产管理有限公司－远景稳健一号私募证券投资基金"
    failed.customer.save(update_fields=["name"])


@pytest.mark.parametrize("path", list(PAGES))
def test_the_page_fits_1366_without_clipping(
    path, long_messages, sent_texts, demo_login, live_server
):
    page = demo_login("hq_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}{path}")
    expect(page.locator(PAGES[path]).first).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(CLIPPED) == []


def test_questionnaire_results_fit_1366_without_clipping(demo, demo_login, live_server):
    """问卷结果's 异常问卷 table: its 异常题目 (whole questions, joined), 提交时间 and a long
    营业部 name wrap, so 查看答案 stays in sight."""
    from huifang.org.models import Branch
    from huifang.surveys.models import Questionnaire, Response

    special = Questionnaire.objects.get(code="QN-SPECIAL")
    abnormal = Response.objects.exclude(abnormal=[]).values_list("branch_id", flat=True)
    Branch.objects.filter(pk__in=abnormal).update(name="上海浦东新区陆家嘴金融贸易区营业部")
    page = demo_login("hq_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/surveys/results/{special.pk}/")
    expect(page.locator("#abnormal-responses tbody tr").first).to_contain_text("查看答案")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(CLIPPED) == []


def test_a_cut_sms_text_shows_whole_on_hover(sent_texts, demo_login, live_server):
    page = demo_login("hq_admin")
    page.goto(f"{live_server.url}/sms/?status=failed")
    refusal = page.locator("main table td span.text-truncate[title^='重试 5 次仍失败']")
    expect(refusal).to_have_attribute(
        "title", "重试 5 次仍失败：isv.BUSINESS_LIMIT_CONTROL：触发小时级流控Permits:5"
    )


def test_a_late_measure_shows_it_at_1366_whatever_the_names(demo, demo_login, live_server):
    """管理措施 with a fund's long name and a long 营业部 name: the list may scroll sideways
    inside its card, but 完成期限 and 逾期 sit beside 状态 and stay in sight."""
    import datetime

    from django.utils import timezone

    from huifang.reports.models import Measure

    measure = Measure.objects.filter(status__in=["pending", "active"]).first()
    Measure.objects.filter(pk=measure.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    measure.customer.name = "上海远景资产管理有限公司－远景稳健一号私募证券投资基金"
    measure.customer.save(update_fields=["name"])
    measure.branch.name = "上海浦东新区陆家嘴金融贸易区营业部"
    measure.branch.save(update_fields=["name"])
    page = demo_login("hq_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/reports/measures/?overdue=true")
    expect(page.locator("main table tbody tr").first).to_contain_text("逾期")
    sight = page.locator("main table").first.evaluate(
        """t => {
          const heads = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
          const cell = t.tBodies[0].rows[0].cells[heads.indexOf('逾期')];
          return {heads, widths: [...t.tBodies[0].rows[0].cells].map(c => Math.round(c.getBoundingClientRect().width)), text: cell.textContent.trim(), right: cell.getBoundingClientRect().right,
                  edge: t.parentElement.getBoundingClientRect().right};
        }"""
    )
    assert sight["text"] == "逾期"
    assert sight["right"] <= sight["edge"] + 1


def test_a_rules_version_comparison_keeps_each_parameter_on_one_line(personas, login, live_server):
    """版本对比 gave its 参数 column what the two wide version columns left: 统计期间开始 broke
    into four lines of two characters."""
    page = login("auditor")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/rules/A002/compare/")
    labels = page.locator("main table tbody th")
    expect(labels.first).to_have_text("统计期间开始")
    lines = labels.evaluate_all(
        """cells => cells.map(cell => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )
    assert lines and set(lines) == {1}
