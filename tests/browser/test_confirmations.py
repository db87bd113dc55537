"""Destructive actions ask first: 数据落地 (which freezes a screening for good) and 关闭为无法联系
(which ends a task) show the browser's confirmation with what will happen; answering 取消
leaves everything as it was, 确定 does it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services as records
from huifang.callbacks.records.models import FailureReason
from huifang.rules.models import ScreeningRun
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.browser


def answering(page, accept: bool) -> list[str]:
    """Answers the next confirmations with 确定 (``accept``) or 取消; returns their texts."""
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return asked


def test_freezing_a_screening_asks_first_and_cancelling_changes_nothing(
    personas, branches, login, live_server
):
    customer = make_customer(branches["a1"], "00000601", birth_date=datetime.date(1950, 5, 1))
    run = make_run({customer: ["A003"]}, freeze=False)
    page = login("hq_admin")
    page.goto(f"{live_server.url}/rules/screening/runs/{run.pk}/")

    asked = answering(page, accept=False)
    page.get_by_role("button", name="数据落地").click()
    expect(page.locator("[data-run-status]")).to_have_text("预览")
    assert asked == ["数据落地后本次筛选结果冻结，不能再修改，可用于加入回访名单。确定落地？"]
    assert not ScreeningRun.objects.get(pk=run.pk).is_frozen

    asked = answering(page, accept=True)
    page.get_by_role("button", name="数据落地").click()
    expect(page.locator("[data-run-status]")).to_have_text("已落地")
    assert len(asked) == 1
    assert page.console_errors == [] and page.failed_requests == []


def test_closing_a_task_as_unreachable_asks_first(personas, make_open_task, login, live_server):
    task = make_open_task("a1")
    for _ in range(task.business_type.max_unanswered_attempts):  # the cap: 关闭 is offered
        records.do_create_record(
            CallbackTask.objects.get(pk=task.pk),
            {
                "status": "failure",
                "failure_reason": FailureReason.objects.get(name="无人接听"),
                "method": "phone",
                "called_at": timezone.now().replace(microsecond=0),
                "duration_seconds": "00:30",
                "mobile_used": "",
                "remark": "",
            },
            actor=personas["agent_a"],
        )
    status = CallbackTask.objects.get(pk=task.pk).status
    page = login("manager_a")
    page.goto(f"{live_server.url}/records/tasks/{task.pk}/")

    asked = answering(page, accept=False)
    page.get_by_role("button", name="关闭为无法联系").click()
    assert asked == ["确认将该任务关闭为“无法联系”？"]
    expect(page.get_by_role("button", name="关闭为无法联系")).to_be_visible()
    assert CallbackTask.objects.get(pk=task.pk).status == status
    assert page.console_errors == [] and page.failed_requests == []
