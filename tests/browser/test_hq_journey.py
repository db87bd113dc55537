"""The HQ compliance admin's journey through the pages (issue 21), on the personas' branch
tree and nothing else: the four files go in through 数据接口 (preview, progress, result);
A002's parameters change and the new version shows with its history; a custom rule is
built; a screening at 2025-12-31 finds exactly the customers the files make hit, with
their evidence; it is frozen and exported; a batch is made of it; the batch gets the app
hall questionnaire, an SMS reminder and the call list. Then, on a batch the agents have
worked, HQ watches 汇总统计 move, drills down from a number and from a bar to lists of
exactly that many rows, turns a compliance finding into a measure and downloads the
batch's evidence package."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.callbacks import services
from huifang.callbacks.models import Batch, CallbackTask
from huifang.callbacks.records import services as records
from huifang.callbacks.records.models import FailureReason
from huifang.channels.calls.models import CallPush
from huifang.channels.sms.models import SmsMessage
from huifang.customers.models import Customer, DailyBalance, ImportRecord, ProductHolding
from huifang.reports.models import Measure
from huifang.rules.models import Rule, ScreeningRun
from huifang.surveys.models import Invitation
from tests.browser.journeys import (
    annual_batch,
    assert_clean,
    column,
    download,
    id_number,
    list_table,
    menu,
    shown_column,
    write_csv,
    xlsx_rows,
)

pytestmark = pytest.mark.browser

BRANCHES = (
    ["部门代码", "部门名称", "上级部门代码"],
    [["0101", "北京分公司", "01"], ["010102", "期货北京第二营业部", "0101"]],
)
CUSTOMERS = (
    [
        "投资者代码",
        "投资者名称",
        "客户类型",
        "性别",
        "证件类型",
        "证件号码",
        "开户日期",
        "客户状态",
        "部门代码",
        "风险承受能力",
        "职业",
        "手机号",
    ],
    [
        # Loses 80,000.00 of 200,000.00 in 2025: a hit once A002 asks for 50,000 and 30 %.
        ["00000201", "王大亏", "自然人", "男", "身份证", id_number("11010519800101001"),
         "2018-06-01", "有效", "010101", "C3", "工程师", "13811110201"],
        # 75 on 2025-12-31, C2: 老年交易者 and the custom rule.
        ["00000202", "李秀英", "自然人", "女", "身份证", id_number("11010519500315002"),
         "2016-04-12", "有效", "010102", "C2", "退休", "13811110202"],
        # Bought an R4 option permission in 2025.
        ["00000203", "赵期权", "自然人", "男", "身份证", id_number("31010419851120003"),
         "2019-09-09", "有效", "010201", "C4", "工程师", "13811110203"],
        ["00000204", "孙无业", "自然人", "男", "身份证", id_number("11010819920707005"),
         "2020-02-20", "有效", "010101", "C3", "无业", "13811110204"],
    ],
)  # fmt: skip
DAILY = (
    ["交易日期", "投资者代码", "上日权益", "入金", "出金", "平仓盈亏", "持仓盈亏", "手续费",
     "当日权益", "成交手数"],
    [
        ["2025-03-03", "00000201", "200,000.00", "", "", "-30000.00", "", "", "170000.00", "10"],
        ["2025-06-03", "00000201", "170000.00", "", "", "-50000.00", "", "", "120000.00", "12"],
        ["2025-12-31", "00000203", "50000.00", "", "", "1000.00", "", "", "51000.00", "2"],
    ],
)  # fmt: skip
PRODUCTS = (
    ["投资者代码", "业务日期", "产品代码", "产品名称", "产品类别", "风险等级"],
    [
        ["00000203", "2025-05-06", "OPT001", "商品期权交易权限", "期权", "R4"],
        ["00000204", "2025-05-06", "AM0007", "稳健资管计划", "资管产品", "R2"],
    ],
)
CUSTOM = "低风险承受能力的老年客户"


def upload(page, base, tmp_path, dataset, label, name, table, encoding="utf-8"):
    """One file through 数据导入: preview, confirm, the progress card to its end, the
    result page; returns the import record."""
    header, rows = table
    path = write_csv(tmp_path / name, header, rows, encoding)
    menu(page, "数据接口", "数据导入")
    page.get_by_label("数据集").select_option(dataset)
    page.get_by_label("文件").set_input_files(path)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("dl")).to_contain_text(label)
    expect(page.locator("dl")).to_contain_text(name)
    preview = page.locator("[data-import-preview] tbody tr")
    expect(preview).to_have_count(len(rows))
    expect(preview.first).to_contain_text(rows[0][0])
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("main")).to_contain_text(f"正在后台导入 {name}")
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("已完成")
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    card.get_by_role("link", name="查看结果").click()
    record = ImportRecord.objects.get(file_name=name)
    expect(page).to_have_url(f"{base}/data/imports/{record.pk}/")
    expect(page.locator("[data-import-status]")).to_have_text("已导入")
    return record


def test_hq_loads_screens_freezes_and_sends_out_a_batch(
    personas, login, live_server, tmp_path, settings
):
    settings.DATA_DIR = tmp_path
    settings.SMS = {**settings.SMS, "PROVIDER": "file", "SEND_START": "00:00", "SEND_END": "24:00"}
    base = live_server.url
    page = login("hq_admin")
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. 数据接口: the four files, each previewed, imported with its progress, then its result.
    upload(page, base, tmp_path, "branches", "部门", "部门.csv", BRANCHES)
    expect(page.locator('[data-count="created"]')).to_have_text("1")
    expect(page.locator('[data-count="unchanged"]')).to_have_text("1")
    upload(page, base, tmp_path, "customers", "客户", "客户.csv", CUSTOMERS, encoding="gbk")
    expect(page.locator('[data-count="created"]')).to_have_text("4")
    upload(page, base, tmp_path, "daily", "客户资金日报", "日报.csv", DAILY)
    expect(page.locator('[data-count="created"]')).to_have_text("3")
    upload(page, base, tmp_path, "products", "高风险产品或服务", "产品.csv", PRODUCTS)
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    assert Customer.objects.get(investor_code="00000202").name == "李秀英"  # GBK read right
    assert (DailyBalance.objects.count(), ProductHolding.objects.count()) == (3, 2)
    menu(page, "客户管理", "客户列表")
    expect(page.locator("table.card-table tbody tr")).to_have_count(4)

    # 2. A002 asks for less: 50,000 yuan and 30 %; the rule shows v2 and keeps v1.
    menu(page, "回访规则", "回访规则管理")
    page.get_by_role("link", name="A002", exact=True).click()
    expect(page.locator("h2.page-title")).to_have_text("A002 大额亏损客户")
    page.get_by_role("link", name="修改参数值").click()
    page.get_by_label("亏损金额不低于（元）").fill("50000")
    page.get_by_label("亏损比例不低于（%）").fill("30")
    page.get_by_label("修改说明").fill("年度回访：放宽大额亏损口径")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存 A002 的参数版本 v2")
    expect(page.get_by_role("heading", name="当前参数（v2）")).to_be_visible()
    params = page.locator("table.card-table").first
    expect(params.locator("tr", has_text="亏损金额不低于")).to_contain_text("50,000.00 元")
    expect(params.locator("tr", has_text="亏损比例不低于")).to_contain_text("30")
    expect(page.get_by_test_id("meaning")).to_contain_text("50,000.00")
    history = page.locator("table", has=page.locator("th", has_text="修改说明"))
    assert shown_column(history, "版本") == ["v2", "v1"]
    assert shown_column(history, "操作员") == ["hq_admin", "系统"]
    assert shown_column(history, "修改说明")[0] == "年度回访：放宽大额亏损口径"
    assert Rule.objects.get(code="A002").current_version.number == 2

    # 3. A custom rule from two conditions, previewed, then saved as B001.
    menu(page, "回访规则", "回访规则管理")
    page.get_by_role("link", name="新建自定义规则").click()
    page.get_by_label("规则名称").fill(CUSTOM)
    page.get_by_label("描述").fill("风险承受能力 C2 及以下、年满 60 周岁")
    page.select_option("#id_c0_field", label="风险承受能力")
    page.select_option("#id_c0_cmp", label="≤")
    page.fill("#id_c0_value", "C2")
    page.select_option("#id_c1_field", label="基准日年龄（周岁）")
    page.select_option("#id_c1_cmp", label="≥")
    page.fill("#id_c1_value", "60")
    page.get_by_role("button", name="预览命中数").click()
    expect(page.get_by_test_id("preview-count")).to_contain_text("命中 1 位客户")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已新建自定义规则 B001")
    expect(page.locator("h2.page-title")).to_have_text(f"B001 {CUSTOM}")

    # 4. Screening at 2025-12-31 over every enabled rule: four customers, five reasons.
    menu(page, "回访任务数据", "回访任务数据")
    page.get_by_label("年度回访最后一天（基准日）").fill("2025-12-31")
    expect(page.get_by_test_id("newest-daily")).to_contain_text("2025-12-31")
    page.get_by_role("button", name="使用参数生成数据").click()
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("已完成")
    run = ScreeningRun.objects.get()
    expect(card).to_contain_text(f"筛选 #{run.pk}：命中 4 位客户")
    card.get_by_role("link", name="查看结果").click()
    expect(page.locator("[data-run-status]")).to_have_text("预览")
    expect(page.get_by_test_id("scoped-total")).to_have_text("4")
    for code, count in {"A002": 1, "A003": 1, "A005": 1, "A006": 1, "B001": 1, "A001": 0}.items():
        expect(page.locator(f'[data-rule-count="{code}"]')).to_have_text(str(count))
    expect(page.locator("tr", has_text="A002 大额亏损客户")).to_contain_text("v2")
    assert shown_column(list_table(page), "投资者名称") == ["王大亏", "李秀英", "赵期权", "孙无业"]
    assert shown_column(list_table(page), "筛选理由")[1] == f"老年交易者；{CUSTOM}"

    # 5. The loss customer's evidence, rule by rule.
    page.get_by_role("link", name="00000201").click()
    expect(page.get_by_test_id("reasons")).to_have_text("大额亏损客户")
    evidence = page.locator(".card", has_text="A002 大额亏损客户")
    for shown in ("80,000.00", "200,000.00", "40.00%", "22"):
        expect(evidence).to_contain_text(shown)
    page.get_by_role("link", name="返回筛选结果").click()

    # 6. 数据落地 (confirmed), then 导出 of every hit.
    page.get_by_role("button", name="数据落地").click()
    expect(page.locator(".alert-success")).to_contain_text(f"筛选 #{run.pk} 已数据落地")
    expect(page.locator("[data-run-status]")).to_have_text("已落地")
    expect(page.get_by_role("button", name="数据落地")).to_have_count(0)
    page.get_by_role("button", name="导出").click()
    rows = xlsx_rows(download(page, page.get_by_role("link", name="导出 Excel").click))
    assert column(rows, "投资者代码") == ["00000201", "00000202", "00000203", "00000204"]
    assert column(rows, "筛选理由")[2] == "购买或接受高风险产品或服务的客户"

    # 7. 加入回访名单: the frozen run becomes a batch of four 年度适当性回访 tasks.
    menu(page, "回访任务管理", "加入回访名单")
    page.get_by_label("已落地的筛选").select_option(str(run.pk))
    page.get_by_label("回访业务类型").select_option(label="年度适当性回访")
    page.get_by_role("button", name="加入回访名单").click()
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("已完成")
    card.get_by_role("link", name="查看结果").click()
    batch = Batch.objects.get()
    expect(page.locator("h2.page-title")).to_contain_text(batch.number)
    expect(page.locator('[data-count="created"]')).to_have_text("4")
    expect(page.locator('[data-count="merged"]')).to_have_text("0")
    expect(page.locator("main")).to_contain_text(f"#{run.pk}，回访基准日 2025-12-31")
    page.get_by_role("link", name="查看任务").click()
    tasks = list_table(page)
    expect(tasks.locator("tbody tr")).to_have_count(4)
    assert set(shown_column(tasks, "处理状态")) == {"未处理"}
    assert sorted(shown_column(tasks, "部门")) == sorted(
        ["期货北京营业部", "期货北京第二营业部", "期货上海营业部", "期货北京营业部"]
    )
    batch_tasks = page.url

    # 8. The batch's questionnaire to the app hall: every task matching the filter.
    page.locator("[data-select-all]").check()
    page.locator("[data-select-matching]").click()
    page.get_by_role("button", name="下发问卷").click()
    expect(page.locator("[data-confirm-count]")).to_have_text("4")
    page.get_by_label("渠道").select_option("apphall")
    page.get_by_role("button", name="确认下发问卷").click()
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("已完成")
    expect(card).to_contain_text("新建邀请 4 条")
    assert set(Invitation.objects.values_list("channel", flat=True)) == {"apphall"}

    # 9. An SMS reminder: HQ writes the template, then sends it to the batch's customers.
    menu(page, "回访任务管理", "短信模板")
    page.get_by_role("link", name="新建短信模板").click()
    page.get_by_label("模板编号").fill("ANNUAL")
    page.get_by_label("模板名称").fill("年度回访提醒")
    page.get_by_label("签名").fill("【惠访期货】")
    page.get_by_label("短信内容").fill(
        "{客户名称}您好，{营业部}将在{回访截止日期}前与您完成年度回访，请留意来电。"
    )
    preview = page.locator("[data-preview-text]")  # the live preview, filled in
    expect(preview).to_contain_text("【惠访期货】张三您好，")
    expect(preview).to_contain_text("前与您完成年度回访，请留意来电。")
    expect(page.locator("[data-preview-parts]")).to_have_text("1")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存短信模板 年度回访提醒（ANNUAL）")
    page.goto(batch_tasks)
    page.locator("[data-select-all]").check()
    page.locator("#sms-bulk").click()
    expect(page.locator("[data-count]")).to_have_text("4")
    page.get_by_label("短信模板").select_option(label="年度回访提醒（ANNUAL）")
    page.get_by_role("button", name="发送", exact=True).click()
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("已完成")
    expect(card).to_contain_text(
        "短信模板 年度回访提醒（ANNUAL）：已排队 4 条，等待发送时段 0 条，跳过 0 条"
    )
    expect(page.locator("dl")).to_contain_text("批量发送短信")
    menu(page, "回访任务管理", "短信记录")
    messages = list_table(page)
    expect(messages.locator("tbody tr")).to_have_count(4)
    assert sorted(shown_column(messages, "手机号")) == [f"138****020{n}" for n in range(1, 5)]
    assert SmsMessage.objects.filter(text__contains="年度回访").count() == 4

    # 10. The call list: pushed for the batch's open tasks, downloaded with full numbers.
    page.goto(batch_tasks)
    page.locator("#push-calls").click()
    expect(page.locator("[data-push-count]")).to_have_text("4")
    page.get_by_role("button", name="确认推送").click()
    expect(page.locator("dl")).to_contain_text("hq_admin")
    expect(page.locator("[data-push-count]")).to_have_text("4")
    rows = xlsx_rows(download(page, page.locator("#push-download").click))
    assert len(rows) == 5
    assert "13811110202" in {str(cell) for row in rows for cell in row}
    assert CallPush.objects.get().count == 4
    assert CallbackTask.objects.filter(batch=batch).count() == 4

    assert_clean(page)


SUMMARY_PEOPLE = [
    ("00000501", "周敏", "a1", "13900000501"),
    ("00000502", "吴刚", "a1", "13900000502"),
    ("00000503", "郑洁", "a1", "13900000503"),
    ("00000504", "冯涛", "a1", "13900000504"),
    ("00000505", "陈晨", "b1", "13900000505"),
    ("00000506", "林峰", "b1", "13900000506"),
]


def call(task, status: str, agent, reason: str = "") -> None:
    """An agent's call on ``task``, registered by the records service (the agent's own
    journey walks the form)."""
    records.do_create_record(
        CallbackTask.objects.get(pk=task.pk),
        {
            "status": status,
            "failure_reason": FailureReason.objects.get(name=reason) if reason else None,
            "method": "phone",
            "called_at": timezone.now().replace(microsecond=0),
            "duration_seconds": "01:00",
            "mobile_used": "",
            "remark": "",
        },
        actor=agent,
    )


def figure(page, label: str):
    """A number of 汇总统计's totals row, by its label."""
    return page.locator("#totals .card", has=page.get_by_text(label, exact=True)).locator(
        "a.figure-link"
    )


def click_bar(page, chart: str, label: str) -> int:
    """Clicks the bar of ``label`` in the ECharts bar chart ``chart`` (a real mouse click
    at the bar's middle); returns the bar's value. The page asked for reduced motion, so
    the bar stands at full height from the start."""
    holder = page.locator(f"#{chart}")
    holder.scroll_into_view_if_needed()
    spot = page.evaluate(
        """([id, label]) => {
            const chart = echarts.getInstanceByDom(document.getElementById(id));
            const option = chart.getOption();
            if (option.animation !== false) throw new Error('the chart still animates');
            const at = option.xAxis[0].data.indexOf(label);
            const value = option.series[0].data[at];
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [at, value / 2]);
            return {x, y, value};
        }""",
        [chart, label],
    )
    box = holder.bounding_box()
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    return spot["value"]


def test_hq_watches_progress_drills_down_takes_a_measure_and_hands_over_evidence(
    personas, branches, login, live_server, tmp_path
):
    tasks = annual_batch(branches, personas["hq_admin"], SUMMARY_PEOPLE)
    zhou, wu, zheng, feng, chen, lin = tasks
    services.do_assign([t.pk for t in tasks[:4]], personas["agent_a"], actor=None)
    services.do_assign([chen.pk, lin.pk], personas["agent_b"], actor=None)
    call(zhou, "failure", personas["agent_a"], "无人接听")
    call(zhou, "success", personas["agent_a"])
    call(wu, "failure", personas["agent_a"], "无人接听")
    call(zheng, "failure", personas["agent_a"], "占线")
    call(chen, "failure", personas["agent_b"], "无人接听")
    call(lin, "success", personas["agent_b"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    CallbackTask.objects.filter(pk=feng.pk).update(deadline=yesterday)  # nobody called him
    batch = Batch.objects.get()
    page = login("hq_admin")
    page.emulate_media(reduced_motion="reduce")

    # 汇总统计: the batch's figures as the records left them.
    menu(page, "汇总统计", "回访进度")
    expected = {"任务总数": 6, "未处理": 1, "处理中": 3, "已完成": 2, "已取消": 0, "逾期": 1}
    for label, value in expected.items():
        expect(figure(page, label)).to_have_attribute("data-count", str(value))
    expect(page.locator("#totals")).to_contain_text("33.3%")  # 完成率 2 ÷ 6
    expect(page.locator("#totals")).to_contain_text("40.0%")  # 成功率 2 ÷ 5

    # The 合规核查 card loads after the page (htmx); writing while its counts still read
    # would find the test database's shared-cache tables locked (SQLITE_LOCKED): wait.
    expect(page.locator("#compliance-counts")).to_be_attached()

    # 吴刚 is reached: the dashboard moves.
    call(wu, "success", personas["agent_a"])
    page.reload()
    expect(figure(page, "已完成")).to_have_attribute("data-count", "3")
    expect(figure(page, "处理中")).to_have_attribute("data-count", "2")
    expect(page.locator("#totals")).to_contain_text("50.0%")
    expect(page.locator("#totals")).to_contain_text("60.0%")
    expect(page.locator("#agent-table")).to_contain_text("agent_a")

    # Drill down: a number to its tasks, a bar to its records, each as many as it said.
    figure(page, "已完成").click()
    page.wait_for_url("**/callbacks/tasks/**")
    expect(page.locator("#row-count [data-row-count]")).to_have_attribute("data-row-count", "3")
    done = list_table(page)
    expect(done.locator("tbody tr")).to_have_count(3)
    assert sorted(shown_column(done, "投资者名称")) == sorted(["周敏", "吴刚", "林峰"])
    page.go_back()
    expect(page.locator("#chart-reasons canvas")).to_have_count(1)
    clicked = click_bar(page, "chart-reasons", "无人接听")
    assert clicked == 3
    page.wait_for_url("**/records/**")
    expect(page.locator("#row-count [data-row-count]")).to_have_attribute("data-row-count", "3")
    reached = list_table(page)
    expect(reached.locator("tbody tr")).to_have_count(3)
    assert set(shown_column(reached, "回访状态")) == {"失败"}

    # 合规核查: 冯涛's overdue task becomes a 加强回访 measure, then it is under way.
    menu(page, "汇总统计", "合规核查")
    overdue = page.locator("#compliance-index tr", has_text="逾期未完成的任务")
    expect(overdue.locator("[data-count]")).to_have_text("1")
    overdue.get_by_role("link", name="逾期未完成的任务").click()
    expect(page.locator("#finding-count")).to_have_text("1")
    finding = page.locator("#findings tbody tr")
    expect(finding).to_contain_text("00000504")
    finding.get_by_role("link", name="创建管理措施").click()
    expect(page.locator("#measure-sources")).to_contain_text("00000504 冯涛（期货北京营业部）")
    expect(page.locator("#measure-sources")).to_contain_text(f"回访任务 #{feng.pk}")
    page.get_by_label("措施类型").select_option(label="加强回访")
    expect(page.get_by_label("措施原因")).not_to_have_value("")  # the finding, prefilled
    page.get_by_label("负责人").select_option(label="manager_a")
    page.get_by_label("完成期限").fill(f"{timezone.localdate() + datetime.timedelta(days=7)}")
    page.get_by_role("button", name="保存").click()
    measure = Measure.objects.get()
    expect(page.locator(".alert-success")).to_contain_text(f"已登记管理措施 #{measure.pk}")
    expect(page.locator("#measure-status")).to_have_text("待执行")
    page.get_by_label("新状态").select_option(label="执行中")
    page.get_by_role("button", name="变更状态").click()
    expect(page.locator(".alert-success")).to_contain_text("状态已改为“执行中”")
    expect(page.locator("#measure-status")).to_have_text("执行中")
    menu(page, "汇总统计", "管理措施")
    measures = list_table(page)
    expect(measures.locator("tbody tr")).to_have_count(1)
    assert shown_column(measures, "投资者名称") == ["冯涛"]
    assert shown_column(measures, "状态") == ["执行中"]

    # 证据包 of the batch: every task, record and the measure, sheet by sheet.
    menu(page, "汇总统计", "证据包")
    page.get_by_label("批次", exact=True).check()
    page.get_by_label("批次号").fill(batch.number)
    path = download(page, page.get_by_role("button", name="生成证据包").click)
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    sheets = {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}
    assert len(sheets["回访任务"]) == 1 + 6
    assert len(sheets["回访记录"]) == 1 + 7
    assert len(sheets["管理措施"]) == 1 + 1
    assert batch.number in str(sheets["封面"])
    assert_clean(page)
