"""HQ writes an SMS template watching the live preview count the length and parts, then
sends it from a task's page and sees the message in the task's 短信 list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huifang.channels.sms.models import SmsMessage, SmsTemplate
from tests.records.conftest import business_type, make_task  # noqa: F401

pytestmark = [pytest.mark.browser]


def test_template_preview_and_send_from_a_task(
    live_server,
    login,
    personas,
    make_task,  # noqa: F811
    settings,
    tmp_path,
):
    settings.DATA_DIR = tmp_path
    settings.SMS = {**settings.SMS, "PROVIDER": "file", "SEND_START": "00:00", "SEND_END": "24:00"}
    task = make_task("a1")
    page = login("hq_admin")
    page.goto(f"{live_server.url}/sms/templates/new/")
    page.fill("#id_code", "REMIND")
    page.fill("#id_name", "回访提醒")
    page.fill("#id_signature", "【惠访期货】")
    page.fill("#id_text", "{客户名称}您好，请留意回访电话。")
    expect(page.locator("[data-preview-text]")).to_have_text(
        "【惠访期货】张三您好，请留意回访电话。"
    )
    expect(page.locator("[data-preview-parts]")).to_have_text("1")
    page.fill("#id_text", "{客户名称}您好" + "，请留意回访电话" * 10)
    expect(page.locator("[data-preview-parts]")).to_have_text("2")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存短信模板 回访提醒（REMIND）")).to_be_visible()
    template = SmsTemplate.objects.get(code="REMIND")

    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    page.select_option("#sms-send-form select[name=template]", str(template.pk))
    page.get_by_role("button", name="发送短信").click()
    expect(page.get_by_text("已排队 1 条")).to_be_visible()
    expect(page.locator("#task-sms-messages tbody tr")).to_have_count(1)
    message = SmsMessage.objects.get()
    assert message.task_id == task.pk and message.parts == 2
    assert page.console_errors == []


def test_an_agent_ticks_a_task_and_sends_a_text_in_bulk(
    live_server,
    login,
    personas,
    make_task,  # noqa: F811
    settings,
    tmp_path,
):
    from huifang.channels.sms.services import do_save_template

    settings.DATA_DIR = tmp_path
    settings.SMS = {**settings.SMS, "PROVIDER": "file", "SEND_START": "00:00", "SEND_END": "24:00"}
    template = do_save_template(
        None,
        {
            "code": "REMIND",
            "name": "回访提醒",
            "signature": "【惠访期货】",
            "text": "{客户名称}您好",
        },
    )
    task = make_task("a1")
    page = login("agent_a")
    page.goto(f"{live_server.url}/callbacks/tasks/?status=open")
    page.locator(f'input[name="pk"][value="{task.pk}"]').check()
    page.locator("#sms-bulk").click()
    expect(page.locator("[data-count]")).to_have_text("1")
    page.select_option("#sms-template", str(template.pk))
    page.get_by_role("button", name="发送", exact=True).click()
    expect(page.get_by_text("已排队 1 条").first).to_be_visible()
    assert list(SmsMessage.objects.values_list("task_id", flat=True)) == [task.pk]
    assert page.console_errors == []
