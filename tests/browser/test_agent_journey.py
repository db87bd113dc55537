"""The callback agent's journey through the pages (issue 21): their home page and 我的任务
list three tasks; on the first a call nobody answers (无人接听), then a successful one that
completes it; on the second the customer agrees a 改约 time; on the third the agent enters
the paper questionnaire the customer filled in, with its scan. Each step shows what
changed: counts, statuses, the appointment, the attachment."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.callbacks import services
from huifang.callbacks.models import BusinessType
from huifang.callbacks.records.models import CallbackRecord
from tests.browser.journeys import annual_batch, assert_clean, list_table, menu, shown_column

pytestmark = pytest.mark.browser

PEOPLE = [
    ("00000301", "周敏", "a1", "13900000301"),
    ("00000302", "吴刚", "a1", "13900000302"),
    ("00000303", "郑洁", "a1", "13900000303"),
    ("00000304", "冯涛", "a1", "13900000304"),  # not theirs: left unassigned
]
SCAN = b"%PDF-1.4 offline questionnaire scanned at the branch"


def register(page, status: str, method: str = "电话", reason: str = "", **fields) -> None:
    """登记回访记录 from the task's record page, with the form's defaults for the time."""
    page.get_by_role("link", name="登记回访记录").click()
    page.get_by_label(status, exact=True).check()
    if reason:
        page.get_by_label("失败原因").select_option(label=reason)
    page.get_by_label("回访形式").select_option(label=method)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已登记回访记录（{status}）")


def test_an_agent_works_their_tasks_from_a_failed_call_to_a_paper_questionnaire(
    personas, branches, login, live_server, tmp_path
):
    first, second, third, _ = annual_batch(branches, personas["hq_admin"], PEOPLE)
    services.do_assign([first.pk, second.pk, third.pk], personas["agent_a"], actor=None)
    # A phone call's 成功 completes the task only where the business type does not ask for
    # a questionnaire (需要问卷: completed by the answer — tests/records/test_requirements).
    BusinessType.objects.filter(pk=first.business_type_id).update(questionnaire_required=False)
    page = login("agent_a")

    # Home: their three open tasks; 我的任务 lists the same three.
    expect(page.locator("a.workbench-figure[data-label='我的未完成任务'] .h1")).to_have_text("3")
    expect(page.locator("#my-open-tasks tbody tr")).to_have_count(3)
    menu(page, "回访任务管理", "回访任务")
    tasks = list_table(page)
    expect(tasks.locator("tbody tr")).to_have_count(3)
    assert sorted(shown_column(tasks, "投资者名称")) == sorted(["周敏", "吴刚", "郑洁"])
    assert set(shown_column(tasks, "处理状态")) == {"未处理"}

    # 周敏: start, nobody answers, then the call that completes the task.
    tasks.get_by_role("link", name="00000301").click()
    expect(page.locator("[data-task-status]")).to_have_text("未处理")
    page.get_by_role("button", name="开始处理").click()
    expect(page.locator("[data-task-status]")).to_have_text("处理中")
    page.get_by_role("link", name="回访记录").click()
    register(page, "失败", reason="无人接听", 回访时长="00:45")
    expect(page.locator("#task-attempts")).to_have_text("1")
    expect(page.locator("#task-unanswered")).to_have_text("1 / 3")
    register(page, "成功", 回访时长="03:20", 备注="客户确认本人开户、本人操作，了解风险")
    expect(page.locator("#task-status")).to_have_text("已完成")
    records = page.locator("#task-records")
    assert sorted(shown_column(records, "回访状态")) == ["失败", "成功"]
    assert sorted(shown_column(records, "失败原因")) == ["", "无人接听"]
    assert sorted(shown_column(records, "回访时长")) == ["00:45", "03:20"]
    expect(page.get_by_role("link", name="登记回访记录")).to_have_count(0)

    # 吴刚 asks to be called tomorrow at ten: the 改约 time shows on the task and the list.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    menu(page, "回访任务管理", "回访任务")
    list_table(page).get_by_role("link", name="00000302").click()
    page.get_by_role("link", name="回访记录").click()
    register(page, "失败", reason="客户要求改约", 改约时间=f"{tomorrow:%Y-%m-%d}T10:00")
    appointment = f"{tomorrow:%Y-%m-%d} 10:00"
    expect(page.locator("#task-appointment")).to_have_text(appointment)
    expect(page.locator("#task-unanswered")).to_have_text("0 / 3")  # not an unanswered call
    menu(page, "回访任务管理", "回访任务")
    tasks = list_table(page)
    expect(tasks.locator("tbody tr")).to_have_count(2)  # 周敏's task is done
    assert shown_column(tasks, "投资者名称")[0] == "吴刚"  # appointments first
    assert shown_column(tasks, "改约时间")[0] == appointment

    # 郑洁 filled the paper questionnaire at the branch: answers and the scan go in.
    tasks.get_by_role("link", name="00000303").click()
    page.get_by_role("link", name="录入线下问卷").click()
    questions = page.locator("#offline-form [data-question]")
    expect(questions).to_have_count(9)
    for n in range(9):
        questions.nth(n).locator("input").first.check()
    scan = tmp_path / "郑洁问卷.pdf"
    scan.write_bytes(SCAN)
    page.get_by_label("纸质问卷扫描件").set_input_files(scan)
    page.get_by_role("button", name="提交线下问卷").click()
    expect(page.locator(".alert-success")).to_contain_text("已录入线下问卷（全部答案正常）")
    expect(page.locator("[data-task-status]")).to_have_text("已完成")
    page.get_by_role("link", name="回访记录").click()
    records = page.locator("#task-records")
    assert shown_column(records, "回访形式") == ["线下问卷"]
    records.locator("tbody a").first.click()
    expect(page.locator("main")).to_contain_text("郑洁问卷.pdf")
    expect(page.locator("main")).to_contain_text(hashlib.sha256(SCAN).hexdigest())
    record = CallbackRecord.objects.get(task=third)
    assert (record.method, record.status) == ("offline", "success")

    # Home again: one open task left, the one with the appointment.
    page.locator("#nav").get_by_role("link", name="首页").click()
    expect(page.locator("a.workbench-figure[data-label='我的未完成任务'] .h1")).to_have_text("1")
    expect(page.locator("#my-open-tasks tbody tr")).to_have_count(1)
    expect(page.locator("#my-open-tasks")).to_contain_text("吴刚")
    assert_clean(page)


def test_a_refused_record_is_announced_where_the_agent_is_looking(
    personas, branches, login, live_server
):
    first, *_ = annual_batch(branches, personas["hq_admin"], PEOPLE[:1])
    services.do_assign([first.pk], personas["agent_a"], actor=None)
    page = login("agent_a")
    menu(page, "回访任务管理", "回访任务")
    list_table(page).get_by_role("link", name="00000301").click()
    page.get_by_role("link", name="回访记录").click()
    page.get_by_role("link", name="登记回访记录").click()

    page.get_by_label("失败", exact=True).check()  # no 回访形式 chosen
    page.get_by_role("button", name="保存").click()

    note = page.locator("#record-form-errors")
    expect(note).to_be_in_viewport()
    expect(note).to_contain_text("回访记录未保存")
    expect(note).to_contain_text("回访形式")
    assert not CallbackRecord.objects.exists()
